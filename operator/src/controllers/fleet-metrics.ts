/**
 * The fleet as Prometheus sees it, for the chart's dashboard and alerts (charts/mecm-operator/
 * files/). Gauges are counted from the informer caches when /metrics is scraped — no API call,
 * nothing kept between scrapes — and carry no object names, only bounded labels:
 *
 *   mecm_edgehosts{ready, reason}          EdgeHosts by their Ready condition (True|False|Unknown) and its reason
 *   mecm_apppackage_hosts{state}           (package, target host) pairs by distribution state
 *   mecm_appinstances{phase}               AppInstances by status.phase (Pending before the first status)
 *   mecm_stalled_objects{kind, reason}     objects whose Stalled condition is True, by kind and reason
 *
 * Only the leader reports the gauges: a standby has the same caches, and one source keeps sum()
 * right across replicas. The timings and counters defined beside the code they time (helm calls,
 * MEP requests, AppRule drift) are added to the same registry here.
 */
import { Gauge, type Registry } from 'prom-client';
import type { AppInstance } from '../api/appinstance.js';
import { APP_INSTANCE_PHASES } from '../api/appinstance.js';
import type { AppPackage } from '../api/apppackage.js';
import { DISTRIBUTION_STATES } from '../api/apppackage.js';
import type { EdgeHost } from '../api/edgehost.js';
import { mecmTypes } from '../api/resources.js';
import { helmOperationDuration } from '../lcm/kubernetes/helm-process.js';
import { mepRequestDuration } from '../mep/client.js';
import type { Condition } from '../runtime/conditions.js';
import { findCondition } from '../runtime/conditions.js';
import type { KubeObject } from '../runtime/kube/resource.js';
import type { Manager } from '../runtime/manager.js';
import { ruleDriftTotal } from './apprule/drift-metric.js';

/** What a gauge needs of an object: its conditions. */
type WithConditions = KubeObject & { readonly status?: { readonly conditions?: readonly Condition[] } };

export interface FleetSources {
  readonly hosts: () => readonly EdgeHost[];
  readonly packages: () => readonly AppPackage[];
  readonly instances: () => readonly AppInstance[];
  /** Every kind whose Stalled condition is counted, by kind name. */
  readonly stallable: Readonly<Record<string, () => readonly WithConditions[]>>;
  /** Whether this replica reports (the leader, or the only one). */
  readonly reporting: () => boolean;
}

/** Registers the fleet gauges and the domain timings in `registry`; call once per registry. */
export function registerFleetMetrics(registry: Registry, sources: FleetSources): void {
  countingGauge(registry, sources, 'mecm_edgehosts', 'EdgeHosts by Ready condition status and reason (reported by the leader).', ['ready', 'reason'], (add) => {
    for (const host of sources.hosts()) {
      const ready = findCondition(host.status?.conditions, 'Ready');
      add({ ready: ready?.status ?? 'Unknown', reason: ready?.reason ?? 'NotObserved' });
    }
  });
  countingGauge(registry, sources, 'mecm_apppackage_hosts', 'Target hosts of AppPackages by distribution state, summed over packages (reported by the leader).', ['state'], (add) => {
    for (const state of DISTRIBUTION_STATES) add({ state }, 0);
    for (const pkg of sources.packages()) {
      for (const host of pkg.status?.hosts ?? []) add({ state: host.state });
    }
  });
  countingGauge(registry, sources, 'mecm_appinstances', 'AppInstances by workflow phase; Pending before the operator wrote a phase (reported by the leader).', ['phase'], (add) => {
    for (const phase of [...APP_INSTANCE_PHASES, 'Pending']) add({ phase }, 0);
    for (const instance of sources.instances()) add({ phase: instance.status?.phase ?? 'Pending' });
  });
  countingGauge(registry, sources, 'mecm_stalled_objects', 'Objects whose Stalled condition is True (they wait for a change), by kind and reason (reported by the leader).', ['kind', 'reason'], (add) => {
    for (const [kind, list] of Object.entries(sources.stallable)) {
      for (const object of list()) {
        const condition = findCondition(object.status?.conditions, 'Stalled');
        if (condition?.status === 'True') add({ kind, reason: condition.reason });
      }
    }
  });
  registry.registerMetric(helmOperationDuration);
  registry.registerMetric(mepRequestDuration);
  registry.registerMetric(ruleDriftTotal);
}

/**
 * A gauge recounted from nothing at every scrape: `count` adds to a series (`by` 1, or 0 to have
 * it present while empty). Nothing is counted on a replica that does not report.
 */
function countingGauge<L extends string>(
  registry: Registry, sources: FleetSources, name: string, help: string, labelNames: readonly L[],
  count: (add: (labels: Record<L, string>, by?: number) => void) => void,
): void {
  const gauge: Gauge<L> = new Gauge<L>({
    name, help, labelNames, registers: [registry],
    collect: () => {
      gauge.reset();
      if (sources.reporting()) count((labels, by = 1) => gauge.inc(labels as Partial<Record<L, string>>, by));
    },
  });
}

/** The fleet metrics of the operator process: the manager's shared informers, reported by the leader. */
export function registerManagerFleetMetrics(manager: Manager): void {
  const hosts = manager.informer<EdgeHost>(mecmTypes.edgeHost);
  const packages = manager.informer<AppPackage>(mecmTypes.appPackage);
  const instances = manager.informer<AppInstance>(mecmTypes.appInstance);
  const rules = manager.informer<WithConditions>(mecmTypes.appRule);
  registerFleetMetrics(manager.metrics.registry, {
    hosts: () => hosts.list(),
    packages: () => packages.list(),
    instances: () => instances.list(),
    stallable: { EdgeHost: () => hosts.list(), AppPackage: () => packages.list(), AppInstance: () => instances.list(), AppRule: () => rules.list() },
    reporting: () => manager.isLeader,
  });
}
