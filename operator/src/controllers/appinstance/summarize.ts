/**
 * What the AppInstance status says, as pure functions: the facts observed on the edge
 * (`recordObserved`) and Ready, derived from the other conditions (`summarize`):
 *
 *   Stalled=True ─────────────► Ready=False (its reason)
 *   Reconciling=True ─────────► Ready=False (its reason)
 *   PackageReady, DependenciesReady, Instantiated, RulesConfigured
 *     first missing or not True ► Ready=False (its reason)
 *     all True ─────────────────► Ready=True
 */
import type { AppInstanceConditionType, AppInstanceReason } from '../../api/appinstance-conditions.js';
import type { AppInstanceStatus } from '../../api/appinstance.js';
import type { Release, WorkloadSummary } from '../../lcm/plugin.js';
import { StatusDraft, firstNotTrue, type ConditionReader, type ReadySummary } from '../../runtime/status.js';

/** The status of one reconcile, typed by the AppInstance conditions and reasons. */
export type AppInstanceDraft = StatusDraft<AppInstanceStatus, AppInstanceConditionType, AppInstanceReason>;

/** The conditions that make an instance Ready, in the order a reader would fix them. */
const readyOrder: readonly AppInstanceConditionType[] = ['PackageReady', 'DependenciesReady', 'Instantiated', 'RulesConfigured'];

/**
 * A draft of `object`'s status whose Ready comes from `summarize`. Failed attempts count
 * against one spec: a changed spec (a generation not yet observed) starts from none, so an
 * instance that gave up tries again when the spec changes, as its message says.
 */
export function appInstanceDraft(object: { readonly metadata: { readonly generation?: number }; readonly status?: AppInstanceStatus }, now = new Date()): AppInstanceDraft {
  const draft: AppInstanceDraft = new StatusDraft(object, (conditions) => summarize(conditions, draft.value), now);
  if (draft.value.failures && draft.value.observedGeneration !== object.metadata.generation) draft.value.failures = 0;
  return draft;
}

/** Ready from the other conditions; `status` only words the message of a Ready instance. */
export function summarize(conditions: ConditionReader<AppInstanceConditionType>, status: AppInstanceStatus): ReadySummary<AppInstanceReason> {
  for (const type of ['Stalled', 'Reconciling'] as const) {
    const condition = conditions.get(type);
    if (condition?.status === 'True') return { ready: false, reason: condition.reason as AppInstanceReason, message: condition.message };
  }
  const missing = readyOrder.find((type) => !conditions.get(type));
  if (missing) return { ready: false, reason: 'Initializing', message: `${missing} is not known yet.` };
  return firstNotTrue(conditions, readyOrder, {
    ready: true, reason: 'Ready',
    message: status.operationalState === 'STOPPED' ? 'The app is installed and stopped.' : `The app runs: ${status.readyWorkloads ?? '0/0'} workloads ready.`,
  });
}

/** What was seen on the edge: the release, and its workloads. `undefined`: not looked at. */
export interface ObservedFacts {
  readonly release: Release | 'Absent' | undefined;
  readonly workloads: WorkloadSummary | undefined;
}

/** Puts the observed facts into `status`, keeping what only the controller knows (applied digest, namespace). */
export function recordObserved(status: AppInstanceStatus, facts: ObservedFacts): void {
  const release = facts.release;
  if (release === 'Absent') {
    if (status.release) status.release = { ...status.release, status: 'uninstalled' };
  } else if (release) {
    status.release = {
      ...status.release, name: release.name, namespace: release.namespace, revision: release.revision,
      chartName: release.chart, chartVersion: release.chartVersion, status: release.status,
    };
  }
  if (facts.workloads) {
    status.workloads = { ready: facts.workloads.ready, desired: facts.workloads.desired };
    status.readyWorkloads = `${facts.workloads.ready}/${facts.workloads.desired}`;
  }
}
