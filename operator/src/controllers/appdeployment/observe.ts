/**
 * Every read of an AppDeployment reconcile, and nothing else: the EdgeHosts, the package's
 * image architectures, the Tenant, the instances we own and those of the names we would use,
 * all from the shared caches. Turns them into the pure decision's observation.
 */
import type { AppDeployment } from '../../api/appdeployment.js';
import type { AppInstance } from '../../api/appinstance.js';
import type { AppPackage } from '../../api/apppackage.js';
import type { EdgeHost } from '../../api/edgehost.js';
import { findCondition } from '../../runtime/conditions.js';
import type { Informer } from '../../runtime/informer.js';
import { isDeleting } from '../../runtime/objects.js';
import { governedVerdict } from '../../tenancy/governance.js';
import type { Tenancy } from '../../tenancy/tenancy.js';
import type { AppDeploymentObservation, StrayInstance } from './decide.js';
import { durationMs, hostAnnotation, instanceName, resolveMaxUnavailable, revisionLabel, templateRevision } from './names.js';
import { place, type HostView, type Placement } from './placement.js';
import type { InstanceView } from './rollout.js';
import type { ObservedHost } from './summarize.js';

export interface ObserveDeps {
  readonly hosts: Informer<EdgeHost>;
  readonly instances: Informer<AppInstance>;
  readonly packages: Informer<AppPackage>;
  readonly tenancy: Tenancy;
}

/** The index of instances by the UID of the AppDeployment that controls them. */
export const ownerIndex = 'appdeployment-owner';

/** The UID of the AppDeployment controlling `instance`, if one does. */
export function controllingDeployment(instance: AppInstance): string | undefined {
  return instance.metadata.ownerReferences?.find((o) => o.controller && o.kind === 'AppDeployment')?.uid;
}

export interface Observed {
  readonly revision: string;
  readonly placement: Placement;
  readonly hosts: readonly ObservedHost[];
  readonly observation: AppDeploymentObservation;
  /** Our instances by name, as cached: what the actions start from. */
  readonly instances: ReadonlyMap<string, AppInstance>;
}

export function observe(deployment: AppDeployment, deps: ObserveDeps, now: Date): Observed {
  const namespace = deployment.metadata.namespace ?? '';
  const uid = deployment.metadata.uid ?? '';
  const { spec } = deployment;
  const revision = templateRevision(spec.template);
  const governance = deps.tenancy.governance(namespace);
  const owned = deps.instances.byIndex(ownerIndex, uid);
  const hostOf = (i: AppInstance) => i.metadata.annotations?.[hostAnnotation] ?? i.spec.hostRef.name;
  const previous = new Set([...(deployment.status?.hosts ?? []).map((h) => h.name), ...owned.map(hostOf)]);
  const pkg = deps.packages.get(`${namespace}/${spec.template.packageRef.name}`);
  const architectures = [...new Set((pkg?.status?.images ?? []).flatMap((i) => (i.architecture ? [i.architecture] : [])))];
  const placement = place({
    deploymentUid: uid, placement: spec.placement, edgeNamespaceTemplate: spec.template.edgeNamespace, architectures,
    hosts: deps.hosts.list().map(hostView), previous, governance,
  });
  const instances = new Map<string, AppInstance>();
  const hosts: ObservedHost[] = placement.selected.map((host) => {
    const name = instanceName(deployment.metadata.name ?? '', host.name);
    const base = { name: host.name, instanceName: name, edgeNamespace: host.edgeNamespace };
    const instance = deps.instances.get(`${namespace}/${name}`);
    if (!instance) return { ...base, instance: { kind: 'Absent' } };
    if (controllingDeployment(instance) !== uid || instance.spec.hostRef.name !== host.name) return { ...base, instance: { kind: 'Conflict' } };
    instances.set(name, instance);
    return { ...base, instance: { kind: 'Ours', view: instanceView(instance) } };
  });
  const placed = new Set(hosts.map((h) => h.instanceName));
  const strays: StrayInstance[] = owned.filter((i) => !placed.has(i.metadata.name ?? ''))
    .map((i) => ({ name: i.metadata.name ?? '', host: hostOf(i), deleting: isDeleting(i) }));
  for (const stray of owned) if (!placed.has(stray.metadata.name ?? '')) instances.set(stray.metadata.name ?? '', stray);
  const rollout = spec.rollout ?? {};
  const sameRevision = deployment.status?.revision;
  return {
    revision, placement, hosts, instances,
    observation: {
      governed: governedVerdict(governance),
      placement, strays, removalPolicy: spec.removalPolicy ?? 'Delete',
      rollout: {
        revision, hosts, wave: deployment.status?.wave, failedHosts: deployment.status?.failedHosts ?? [], recordedRevision: sameRevision,
        maxUnavailable: resolveMaxUnavailable(rollout.maxUnavailable, hosts.length),
        paused: rollout.paused ?? false,
        gateTimeoutMs: durationMs(rollout.healthGate?.timeout, 10 * 60_000),
        bakeMs: durationMs(rollout.healthGate?.bakeTime, 0),
        pauseMs: durationMs(rollout.pauseBetweenWaves, 0),
        failureThreshold: rollout.failureThreshold ?? 1,
        now,
      },
    },
  };
}

function hostView(host: EdgeHost): HostView {
  return {
    name: host.metadata.name ?? '', labels: host.metadata.labels ?? {}, affinity: host.spec.affinity ?? [],
    hardware: host.spec.hardwareCapabilities ?? [], deleting: isDeleting(host),
  };
}

/** Ready and Stalled count only when written for the instance's current generation. */
export function instanceView(instance: AppInstance): InstanceView {
  const generation = instance.metadata.generation;
  const current = (type: string) => {
    const c = findCondition(instance.status?.conditions, type);
    return c?.status === 'True' && c.observedGeneration === generation && !isDeleting(instance);
  };
  return { name: instance.metadata.name ?? '', revision: instance.metadata.labels?.[revisionLabel], ready: current('Ready'), stalled: current('Stalled') };
}
