/**
 * AppInstance (namespaced): one deployment of an AppPackage on one EdgeHost, driven through
 * instantiate → operate → upgrade → terminate by the AppInstance controller (EdgeGallery's APPO,
 * LCM controller and Kubernetes plugin). The workflow's progress lives in `.status`, so the
 * operator can stop at any point and resume.
 */
import { Type, type Static } from 'typebox';
import { CATEGORY, type CustomObject } from './group.js';
import { dnsRuleList, trafficRuleList } from './rules.js';
import type { CrdDefinition } from './schema/crd.js';
import { cel, DNS1123_LABEL, enumOf, freeformObject, stringMap } from './schema/k8s.js';
import { conditions, objectName, objectRef, observedGeneration, timestamp } from './schema/meta.js';

/** Condition types of an AppInstance; Ready summarises, Reconciling/Stalled are kstatus's. */
export const APP_INSTANCE_CONDITIONS = [
  'PackageReady', 'DependenciesReady', 'Instantiated', 'RulesConfigured', 'Ready', 'Reconciling', 'Stalled',
] as const;

/** ETSI MEC 010-2 operational state of an app instance. */
export const OPERATIONAL_STATES = ['NOT_INSTANTIATED', 'STARTED', 'STOPPED'] as const;

/** Workflow step the instance is in; the controller's state machine moves through them in order. */
export const APP_INSTANCE_PHASES = [
  'WaitingForPackage', 'CheckingDependencies', 'Installing', 'Upgrading', 'ConfiguringRules',
  'Operating', 'Remediating', 'Ready', 'Terminating', 'Failed',
] as const;

/** ETSI MEC 010-2 lifecycle operation types (app_lcm_op_occs). */
export const OPERATION_TYPES = ['INSTANTIATE', 'OPERATE', 'TERMINATE'] as const;

/** ETSI MEC 010-2 operation states, plus the rollback states of remediation. */
export const OPERATION_STATES = ['STARTING', 'PROCESSING', 'COMPLETED', 'FAILED', 'ROLLING_BACK', 'ROLLED_BACK'] as const;

/** Helm 3 release statuses (helm.sh/helm/v3/pkg/release). */
export const HELM_RELEASE_STATUSES = [
  'unknown', 'deployed', 'uninstalled', 'superseded', 'failed', 'uninstalling',
  'pending-install', 'pending-upgrade', 'pending-rollback',
] as const;

const ValuesReference = Type.Object({
  kind: enumOf(['Secret', 'ConfigMap'], 'Kind of the object holding the values.'),
  name: objectName('Name of the Secret or ConfigMap, in the same namespace as this AppInstance.'),
  valuesKey: Type.Optional(Type.String({
    description: 'Key holding the values (default values.yaml).', minLength: 1, maxLength: 253,
    pattern: '^[-._a-zA-Z0-9]+$', default: 'values.yaml',
  })),
  targetPath: Type.Optional(Type.String({
    description: 'Dotted path (Helm --set syntax, e.g. db.password) to put the whole value at, instead of merging it as a YAML document.',
    minLength: 1, maxLength: 250,
  })),
  optional: Type.Optional(Type.Boolean({ description: 'Go on without these values when the object or key is missing. Default false.', default: false })),
}, { description: 'Helm values read from a Secret or ConfigMap.' });

const Remediation = Type.Object({
  retries: Type.Optional(Type.Integer({
    description: 'Failed installs or upgrades retried before the instance is Stalled, 0 to 10 (default 3).',
    minimum: 0, maximum: 10, default: 3,
  })),
  strategy: Type.Optional(enumOf(['Rollback', 'Uninstall'],
    'What a failed upgrade does before retrying: Rollback to the last good revision, or Uninstall and install afresh. A failed first install is always uninstalled. Default Rollback.',
    { default: 'Rollback' })),
}, { description: 'What happens when an install or upgrade fails.', default: {} });

/** Desired state of an AppInstance. */
export const AppInstanceSpec = Type.Object({
  packageRef: objectRef(
    'The AppPackage to run, in the same namespace. Changing it upgrades the release to the other package.',
    'Name of the AppPackage.'),
  hostRef: objectRef('The EdgeHost to run on. It cannot change: create a new AppInstance to move an app.', 'Name of the EdgeHost.', {
    rule: 'self == oldSelf',
    message: 'hostRef cannot change: an instance lives on one edge host. To move the app, create a new AppInstance for the other host and delete this one',
  }),
  releaseName: Type.Optional(Type.String({
    description: 'Name of the Helm release on the edge (RFC 1123 label, at most 53 characters). Unset, the operator picks one and shows it in status.release.name. Cannot change after creation.',
    minLength: 1, maxLength: 53, pattern: DNS1123_LABEL,
  })),
  namespace: Type.String({
    description: 'Namespace on the edge cluster to install into (RFC 1123 label). Cannot change after creation: Helm releases do not move between namespaces.',
    minLength: 1, maxLength: 63, pattern: DNS1123_LABEL,
    ...cel({
      rule: 'self == oldSelf',
      message: 'namespace cannot change: Helm releases do not move between namespaces. Create a new AppInstance for the other namespace and delete this one',
    }),
  }),
  appInstanceId: Type.Optional(Type.String({
    description: 'The id the MEP and the chart know the app by (a lower-case UUID), when the client picks it, as EdgeGallery\'s appstore does through North. Unset, the operator assigns one. Cannot change after creation. Of AppRules for one id on one host the oldest instance\'s wins.',
    pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
  })),
  createNamespace: Type.Optional(Type.Boolean({
    description: 'Create the edge namespace when it is missing (and delete it on terminate if the operator created it). Default true.',
    default: true,
  })),
  values: Type.Optional(freeformObject('Helm values, merged over the chart\'s defaults and valuesFrom (these win).')),
  valuesFrom: Type.Optional(Type.Array(ValuesReference, {
    description: 'Helm values from Secrets and ConfigMaps, merged in order (later entries win); changes to them trigger an upgrade.',
    maxItems: 16,
  })),
  inputs: Type.Optional(stringMap('Values for the APPD\'s topology_template inputs, by input name.', { maxProperties: 64, maxValueLength: 4096 })),
  desiredState: Type.Optional(enumOf(['Started', 'Stopped'],
    'ETSI operate: Stopped scales the app\'s workloads to zero, Started restores them. Default Started.',
    { default: 'Started' })),
  remediation: Type.Optional(Remediation),
  timeoutSeconds: Type.Optional(Type.Integer({
    description: 'How long one Helm operation may take, including waiting for workloads to be ready, 30 to 3600 seconds (default 300).',
    minimum: 30, maximum: 3600, default: 300,
  })),
  suspend: Type.Optional(Type.Boolean({
    description: 'Stop reconciling: no install, upgrade, drift repair or rule update until it is false again. Deletion still cleans up. Default false.',
    default: false,
  })),
  rules: Type.Optional(Type.Object({
    appTrafficRule: Type.Optional(trafficRuleList('Traffic rules added to the APPD\'s; a rule with the same trafficRuleId replaces the APPD\'s.')),
    appDNSRule: Type.Optional(dnsRuleList('DNS rules added to the APPD\'s; a rule with the same dnsRuleId replaces the APPD\'s.')),
    allowIncomplete: Type.Optional(Type.Boolean({
      description: 'Become Ready even when the APPD declares rules that cannot be applied (its AppPackage lists them under RulesValid) '
        + 'and the spec does not replace them. Default false: such an instance runs but stays Stalled with RulesIncomplete.',
    })),
  }, { description: 'MEP rules merged with those of the package\'s APPD into the AppRule the instance owns.' })),
}, {
  description: 'Desired state of the app instance: which package, on which edge host, with which values.',
  ...cel({
    rule: 'has(self.releaseName) == has(oldSelf.releaseName) && (!has(self.releaseName) || self.releaseName == oldSelf.releaseName)',
    fieldPath: '.releaseName',
    message: 'releaseName cannot be set, changed or removed after creation, because Helm cannot rename a release: create a new AppInstance instead',
  }, {
    rule: 'has(self.appInstanceId) == has(oldSelf.appInstanceId) && (!has(self.appInstanceId) || self.appInstanceId == oldSelf.appInstanceId)',
    fieldPath: '.appInstanceId',
    message: 'appInstanceId cannot be set, changed or removed after creation: it is the app\'s key at the MEP. Create a new AppInstance instead',
  }),
});
const Release = Type.Object({
  name: Type.Optional(Type.String({ description: 'Name of the Helm release.', maxLength: 53 })),
  namespace: Type.Optional(Type.String({ description: 'Namespace of the release on the edge cluster.', maxLength: 63 })),
  revision: Type.Optional(Type.Integer({ description: 'Current revision of the release.', minimum: 0 })),
  chartName: Type.Optional(Type.String({ description: 'Name of the deployed chart.', maxLength: 253 })),
  chartVersion: Type.Optional(Type.String({ description: 'Version of the deployed chart.', maxLength: 128 })),
  status: Type.Optional(enumOf(HELM_RELEASE_STATUSES, 'Status of the release as Helm reports it.')),
  appliedDigest: Type.Optional(Type.String({
    description: 'Digest (sha256:<hex>) of the chart reference and values of the last successful install or upgrade; a different digest for the current spec means an upgrade is due.',
    maxLength: 71,
  })),
  createdNamespace: Type.Optional(Type.Boolean({ description: 'The operator created the release\'s namespace, and deletes it on termination.' })),
}, { description: 'The Helm release on the edge cluster.' });

const LastOperation = Type.Object({
  operationType: enumOf(OPERATION_TYPES, 'INSTANTIATE (install or upgrade), OPERATE (start or stop) or TERMINATE.'),
  operationState: enumOf(OPERATION_STATES, 'Where the operation is, as in ETSI MEC 010-2 app_lcm_op_occs, plus ROLLING_BACK/ROLLED_BACK for remediation.'),
  startTime: timestamp('When the operation started.'),
  stateEnteredTime: timestamp('When operationState last changed.'),
  message: Type.Optional(Type.String({ description: 'Detail of the operation, e.g. the error that failed it.', maxLength: 32768 })),
}, { description: 'The latest lifecycle operation (ETSI MEC 010-2 app_lcm_op_occ).' });

/** Observed state of an AppInstance, written only by the controller. */
export const AppInstanceStatus = Type.Object({
  observedGeneration: Type.Optional(observedGeneration()),
  conditions: Type.Optional(conditions(APP_INSTANCE_CONDITIONS)),
  phase: Type.Optional(enumOf(APP_INSTANCE_PHASES, 'The workflow step the instance is in. Informational: use conditions to wait on it.')),
  operationalState: Type.Optional(enumOf(OPERATIONAL_STATES, 'ETSI operational state: NOT_INSTANTIATED, STARTED or STOPPED.')),
  appInstanceId: Type.Optional(Type.String({
    description: 'UUID identifying the instance at the MEP and to the appstore; assigned once, never changed.',
    pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
  })),
  release: Type.Optional(Release),
  workloads: Type.Optional(Type.Object({
    ready: Type.Integer({ description: 'Workloads of the release that are ready.', minimum: 0 }),
    desired: Type.Integer({ description: 'Workloads of the release (Deployments, StatefulSets, DaemonSets, Jobs).', minimum: 0 }),
  }, { description: 'Readiness of the release\'s workloads.' })),
  readyWorkloads: Type.Optional(Type.String({ description: 'workloads as ready/desired, e.g. 1/1, for kubectl get.', maxLength: 32 })),
  lastOperation: Type.Optional(LastOperation),
  failures: Type.Optional(Type.Integer({ description: 'Consecutive failed installs or upgrades; reset by a success.', minimum: 0 })),
}, { description: 'Observed state of the app instance, written by the operator.' });

/** What the user declares about an app instance. */
export type AppInstanceSpec = Static<typeof AppInstanceSpec>;
/** What the operator observed and did for an app instance. */
export type AppInstanceStatus = Static<typeof AppInstanceStatus>;
/** An AppInstance object. */
export type AppInstance = CustomObject<'AppInstance', AppInstanceSpec, AppInstanceStatus>;

/** The AppInstance CRD. */
export const appInstanceCrd: CrdDefinition = {
  kind: 'AppInstance',
  plural: 'appinstances',
  singular: 'appinstance',
  shortNames: ['ainst'],
  categories: [CATEGORY],
  scope: 'Namespaced',
  description: 'AppInstance runs an AppPackage on an EdgeHost: the operator installs its chart as a Helm release on the edge cluster, configures its traffic and DNS rules on the MEP, and keeps both as declared.',
  spec: AppInstanceSpec,
  status: AppInstanceStatus,
  printerColumns: [
    { name: 'Package', type: 'string', jsonPath: '.spec.packageRef.name', description: 'The AppPackage.' },
    { name: 'Host', type: 'string', jsonPath: '.spec.hostRef.name', description: 'The EdgeHost.' },
    { name: 'State', type: 'string', jsonPath: '.status.operationalState', description: 'ETSI operational state.' },
    { name: 'Ready', type: 'string', jsonPath: '.status.readyWorkloads', description: 'Ready workloads of all.' },
    { name: 'Revision', type: 'integer', jsonPath: '.status.release.revision', description: 'Helm release revision.' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Workflow step.', priority: 1 },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time since the instance was created.' },
  ],
  selectableFields: ['.spec.hostRef.name', '.spec.packageRef.name'],
};
