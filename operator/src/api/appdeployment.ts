/**
 * AppDeployment (namespaced): one spec that runs an app on many EdgeHosts. The operator picks
 * the hosts (placement), makes one AppInstance per host from the template, and rolls a changed
 * template out wave by wave behind a health gate (controllers/appdeployment/). The rollout's
 * progress lives in `.status`, recorded before the instances are touched, so a killed operator
 * resumes the wave it was in.
 */
import { Type, type Static } from 'typebox';
import { AppInstanceSpec } from './appinstance.js';
import { CATEGORY, type CustomObject } from './group.js';
import type { CrdDefinition } from './schema/crd.js';
import { cel, enumOf, intOrString, listSet } from './schema/k8s.js';
import { conditions, labelSelector, objectName, objectRef, observedGeneration, timestamp } from './schema/meta.js';

/** Condition types of an AppDeployment; Ready summarises, Reconciling/Stalled are kstatus's. */
export const APP_DEPLOYMENT_CONDITIONS = ['Ready', 'Progressing', 'Paused', 'Reconciling', 'Stalled'] as const;

/** The conditions the AppDeployment controller sets itself (Ready, Reconciling, Stalled are the draft's). */
export type AppDeploymentConditionType = 'Progressing' | 'Paused';

/** Condition reasons of an AppDeployment. */
export type AppDeploymentReason =
  // Progressing / Reconciling
  | 'WaveInProgress' | 'WaveStarting' | 'WaitingBetweenWaves' | 'WaitingForAvailability' | 'Baking' | 'RemovingHosts' | 'RolloutComplete'
  // Paused
  | 'ManuallyPaused' | 'GateFailed' | 'NotPaused'
  // Stalled
  | 'NotPermitted' | 'InstanceRefused'
  // Ready
  | 'Ready' | 'NoHostsSelected' | 'RolloutPaused' | 'InstancesNotReady';

/** Reasons of the Events recorded on an AppDeployment. */
export type AppDeploymentEventReason = 'WaveStarted' | 'WaveSucceeded' | 'GateFailed' | 'InstanceCreated' | 'InstanceUpdated' | 'InstanceRemoved' | 'InstanceOrphaned';

/** Where an edge namespace template puts the host's name. */
export const HOST_PLACEHOLDER = '{host}';

/** A Go-style duration: 30s, 5m, 1h30m, 500ms. */
const DURATION = '^([0-9]+(ms|s|m|h))+$';

function duration(description: string, defaultValue: string) {
  return Type.String({ description: `${description} A duration such as 30s, 5m or 1h30m (default ${defaultValue}).`, pattern: DURATION, maxLength: 32, default: defaultValue });
}

const s = AppInstanceSpec.properties;

/** What every AppInstance of the deployment is made from; changing it is a new revision, rolled out in waves. */
const Template = Type.Object({
  packageRef: objectRef('The AppPackage to run, in the same namespace. Changing it rolls the new package out wave by wave.', 'Name of the AppPackage.'),
  edgeNamespace: Type.String({
    description: 'Namespace on each edge cluster, with {host} standing for the EdgeHost\'s name, e.g. shop-{host}: every instance gets its own. '
      + 'Hosts whose name does not make an RFC 1123 label of at most 63 characters here are listed in status.excludedHosts. Cannot change.',
    minLength: 7, maxLength: 63,
    ...cel({
      rule: `self.contains('${HOST_PLACEHOLDER}')`,
      message: 'edgeNamespace must contain {host} (e.g. shop-{host}), so that the instances on different hosts, which may share an edge cluster, never share a namespace',
    }, {
      rule: `self.replace('${HOST_PLACEHOLDER}', 'h').matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')`,
      message: 'edgeNamespace must be lower-case letters, digits and - around {host}, starting and ending with a letter, a digit or {host} (e.g. shop-{host})',
    }, {
      rule: 'self == oldSelf',
      message: 'edgeNamespace cannot change: Helm releases do not move between namespaces. Create a new AppDeployment instead',
    }),
  }),
  values: s.values,
  valuesFrom: s.valuesFrom,
  inputs: s.inputs,
  rules: s.rules,
  desiredState: s.desiredState,
  remediation: s.remediation,
  timeoutSeconds: s.timeoutSeconds,
  createNamespace: s.createNamespace,
}, { description: 'The AppInstance made for each selected host: package, values and rules. A change is a new revision, rolled out in waves.' });

const Requirements = Type.Object({
  affinity: Type.Optional(Type.Array(Type.String({ description: 'A capability label, e.g. X86, ARM64 or GPU.', minLength: 1, maxLength: 63 }), {
    description: 'Capability labels every chosen host must list in spec.affinity (compared without regard to case).', maxItems: 32, ...listSet(),
  })),
  hardware: Type.Optional(Type.Array(Type.Object({
    type: Type.String({ description: 'Kind of hardware, e.g. GPU.', minLength: 1, maxLength: 63 }),
    vendor: Type.Optional(Type.String({ description: 'Manufacturer it must be from.', maxLength: 128 })),
    model: Type.Optional(Type.String({ description: 'Model it must be.', maxLength: 128 })),
  }, { description: 'A piece of hardware a host must have in spec.hardwareCapabilities.' }), { description: 'Hardware every chosen host must have.', maxItems: 16 })),
}, { description: 'What a host must offer. The package\'s image architectures (AppPackage status.images[].architecture) are required as affinity labels too.' });

const Placement = Type.Object({
  hostNames: Type.Optional(Type.Array(objectName('Name of an EdgeHost.'), { description: 'EdgeHosts to run on by name.', maxItems: 1024, ...listSet() })),
  hostSelector: Type.Optional(labelSelector('EdgeHosts to run on by label, in addition to hostNames; {} selects every EdgeHost.')),
  requires: Type.Optional(Requirements),
  spreadByLabel: Type.Optional(Type.String({
    description: 'A label key of the EdgeHosts (e.g. topology.kubernetes.io/zone): at most one host is chosen per value of it, and hosts without it are not chosen.',
    minLength: 1, maxLength: 317,
  })),
  maxHosts: Type.Optional(Type.Integer({ description: 'Most hosts to run on. Unset: every host that qualifies.', minimum: 1, maximum: 10000 })),
}, {
  description: 'Which EdgeHosts run the app. Picks are stable: a host keeps its instance while it qualifies, and new candidates are ranked by a hash of the deployment\'s UID and the host\'s name, so a host joining does not move the others.',
  ...cel({
    rule: 'has(self.hostNames) || has(self.hostSelector)',
    message: 'placement needs hostNames or hostSelector (hostSelector: {} selects every EdgeHost the Tenant grants)',
  }),
});

const HealthGate = Type.Object({
  timeout: Type.Optional(duration('How long the instances of a wave have to become Ready; one that is not Ready by then, or Stalled before, fails the gate.', '10m')),
  bakeTime: Type.Optional(duration('How long every instance of a wave must then stay Ready before the wave counts as done.', '0s')),
}, { description: 'What a wave must pass before the next one starts.', default: {} });

const Rollout = Type.Object({
  maxUnavailable: Type.Optional(intOrString('Most selected hosts whose instance is not Ready at once, whatever the cause: a number (at least 1) or a percentage of the selected hosts (rounded down, at least 1). The first rollout obeys it too. Default 25%.')),
  pauseBetweenWaves: Type.Optional(duration('Wait after a wave passed its gate before the next starts.', '0s')),
  healthGate: Type.Optional(HealthGate),
  failureThreshold: Type.Optional(Type.Integer({
    description: 'How many hosts may fail the gate on one revision before the rollout pauses (reason GateFailed), leaving the rest on the version they run. Default 1.',
    minimum: 1, maximum: 10000, default: 1,
  })),
  paused: Type.Optional(Type.Boolean({ description: 'Stop the rollout: no instance is created or updated until it is false again. Hosts that leave the placement are still removed. Default false.', default: false })),
}, {
  description: 'How a new revision reaches the hosts.',
  default: {},
});

/** Desired state of an AppDeployment. */
export const AppDeploymentSpec = Type.Object({
  template: Template,
  placement: Placement,
  rollout: Type.Optional(Rollout),
  removalPolicy: Type.Optional(enumOf(['Delete', 'Orphan'],
    'What happens to the AppInstance of a host that leaves the placement: Delete (its finalizer removes the rules, then the release) or Orphan (it stays, no longer owned or labelled by the deployment). Default Delete.',
    { default: 'Delete' })),
}, {
  description: 'Desired state of the deployment: the instance template, where it runs, and how changes roll out.',
  ...cel({
    rule: "!has(self.rollout) || !has(self.rollout.maxUnavailable) || (type(self.rollout.maxUnavailable) == int ? self.rollout.maxUnavailable >= 1 : string(self.rollout.maxUnavailable).matches('^(100|[1-9][0-9]?)%$'))",
    fieldPath: '.rollout.maxUnavailable',
    message: 'rollout.maxUnavailable must be a whole number of at least 1 (e.g. 5) or a percentage from 1% to 100% (e.g. 25%)',
  }),
});

/** The states of a host in status.hosts. */
export const HOST_STATES = ['Pending', 'Progressing', 'Ready', 'Outdated', 'NotReady', 'Failed', 'Conflict'] as const;

const HostStatus = Type.Object({
  name: objectName('The EdgeHost.'),
  instance: objectName('The AppInstance made for it, in this namespace.'),
  edgeNamespace: Type.String({ description: 'Its namespace on the edge.', maxLength: 63 }),
  revision: Type.Optional(Type.String({ description: 'The template revision its instance runs (absent while it has none).', maxLength: 16 })),
  state: enumOf(HOST_STATES,
    'Pending: no instance yet; Progressing: updated, not Ready yet; Ready: Ready on the current revision; Outdated: Ready on an older one; NotReady: not Ready on an older one; Failed: failed the gate on the current revision; Conflict: an AppInstance of that name is not this deployment\'s.'),
}, { description: 'One selected host.' });

const ExcludedHost = Type.Object({
  name: objectName('The EdgeHost.'),
  reason: enumOf(['NotPermitted', 'RequirementsNotMet', 'InvalidEdgeNamespace', 'SpreadTaken', 'OverMaxHosts'], 'Why it does not run the app.'),
  message: Type.String({ description: 'Detail for a person.', maxLength: 1024 }),
}, { description: 'A host the placement names or selects but the deployment does not use.' });

const Wave = Type.Object({
  number: Type.Integer({ description: 'Wave number within the revision, from 1.', minimum: 1 }),
  revision: Type.String({ description: 'The revision the wave rolls out.', maxLength: 16 }),
  hosts: Type.Array(Type.String({ description: 'Name of an EdgeHost.', maxLength: 253 }), { description: 'Hosts whose instances the wave updates.', maxItems: 10000 }),
  startTime: timestamp('When the wave was recorded, before its instances were updated; the gate timeout counts from here.'),
  readyTime: Type.Optional(timestamp('When every instance of the wave was first Ready; the bake time counts from here.')),
  completionTime: Type.Optional(timestamp('When the wave passed its gate; the pause between waves counts from here.')),
}, { description: 'The wave in progress, or the last one.' });

/** Observed state of an AppDeployment, written only by the controller. */
export const AppDeploymentStatus = Type.Object({
  observedGeneration: Type.Optional(observedGeneration()),
  conditions: Type.Optional(conditions(APP_DEPLOYMENT_CONDITIONS)),
  revision: Type.Optional(Type.String({ description: 'Hash of spec.template: the revision being rolled out.', maxLength: 16 })),
  desired: Type.Optional(Type.Integer({ description: 'Hosts selected.', minimum: 0 })),
  updated: Type.Optional(Type.Integer({ description: 'Selected hosts whose instance has the current revision.', minimum: 0 })),
  ready: Type.Optional(Type.Integer({ description: 'Selected hosts whose instance is Ready, whatever its revision.', minimum: 0 })),
  available: Type.Optional(Type.Integer({ description: 'Selected hosts whose instance is Ready on the current revision.', minimum: 0 })),
  wave: Type.Optional(Wave),
  failedHosts: Type.Optional(Type.Array(Type.String({ description: 'Name of an EdgeHost.', maxLength: 253 }), { description: 'Hosts that failed the gate on the current revision.', maxItems: 10000 })),
  hosts: Type.Optional(Type.Array(HostStatus, { description: 'The selected hosts, their instances and states (at most 1024 listed).', maxItems: 1024 })),
  excludedHosts: Type.Optional(Type.Array(ExcludedHost, { description: 'Hosts named or selected but not used, with why (at most 256 listed).', maxItems: 256 })),
}, { description: 'What the deployment runs where, and how far the rollout is, written by the operator.' });

export type AppDeploymentSpec = Static<typeof AppDeploymentSpec>;
export type AppDeploymentStatus = Static<typeof AppDeploymentStatus>;
export type AppDeploymentTemplate = Static<typeof Template>;
export type AppDeploymentPlacement = Static<typeof Placement>;
export type AppDeploymentRollout = Static<typeof Rollout>;
export type AppDeploymentWave = Static<typeof Wave>;
export type HostState = (typeof HOST_STATES)[number];
export type AppDeploymentHostStatus = Static<typeof HostStatus>;
export type ExcludedHost = Static<typeof ExcludedHost>;
/** An AppDeployment object. */
export type AppDeployment = CustomObject<'AppDeployment', AppDeploymentSpec, AppDeploymentStatus>;

/** The AppDeployment CRD. */
export const appDeploymentCrd: CrdDefinition = {
  kind: 'AppDeployment',
  plural: 'appdeployments',
  singular: 'appdeployment',
  shortNames: ['adep'],
  categories: [CATEGORY],
  scope: 'Namespaced',
  description: 'AppDeployment runs an AppPackage on many EdgeHosts: it picks the hosts by name, label and capability, makes one AppInstance per host, and rolls changes out in waves behind a health gate.',
  spec: AppDeploymentSpec,
  status: AppDeploymentStatus,
  printerColumns: [
    { name: 'Desired', type: 'integer', jsonPath: '.status.desired', description: 'Hosts selected.' },
    { name: 'Updated', type: 'integer', jsonPath: '.status.updated', description: 'Hosts on the current revision.' },
    { name: 'Ready', type: 'integer', jsonPath: '.status.ready', description: 'Hosts whose instance is Ready.' },
    { name: 'Available', type: 'integer', jsonPath: '.status.available', description: 'Hosts Ready on the current revision.' },
    { name: 'Revision', type: 'string', jsonPath: '.status.revision', description: 'Template revision rolled out.', priority: 1 },
    { name: 'Wave', type: 'integer', jsonPath: '.status.wave.number', description: 'Current wave.', priority: 1 },
    { name: 'Reason', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].reason', description: 'Why it is (not) Ready.', priority: 1 },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time since the deployment was created.' },
  ],
};
