/**
 * What the AppDeployment status says, as pure functions: the counts, hosts and wave of one
 * decision (`recordStatus`), the conditions of its action, and Ready from them (`summarize`):
 *
 *   Stalled=True ───────────────────► Ready=False (its reason)
 *   Paused=True ────────────────────► Ready=False RolloutPaused
 *   no host selected ───────────────► Ready=False NoHostsSelected
 *   fewer available than desired ───► Ready=False InstancesNotReady
 *   otherwise ──────────────────────► Ready=True
 */
import type {
  AppDeploymentConditionType, AppDeploymentHostStatus, AppDeploymentReason, AppDeploymentStatus, HostState,
} from '../../api/appdeployment.js';
import { StatusDraft, type ConditionReader, type ReadySummary } from '../../runtime/status.js';
import type { AppDeploymentAction, AppDeploymentDecision } from './decide.js';
import type { Placement } from './placement.js';
import type { RolloutHost } from './rollout.js';

export type AppDeploymentDraft = StatusDraft<AppDeploymentStatus, AppDeploymentConditionType, AppDeploymentReason>;

/** A selected host with the names its instance has. */
export interface ObservedHost extends RolloutHost {
  readonly instanceName: string;
  readonly edgeNamespace: string;
}

export function appDeploymentDraft(object: { readonly metadata: { readonly generation?: number }; readonly status?: AppDeploymentStatus }, now = new Date()): AppDeploymentDraft {
  const draft: AppDeploymentDraft = new StatusDraft(object, (conditions) => summarize(conditions, draft.value), now);
  return draft;
}

export function summarize(conditions: ConditionReader<AppDeploymentConditionType>, status: AppDeploymentStatus): ReadySummary<AppDeploymentReason> {
  const stalled = conditions.get('Stalled');
  if (stalled?.status === 'True') return { ready: false, reason: stalled.reason as AppDeploymentReason, message: stalled.message };
  const paused = conditions.get('Paused');
  if (paused?.status === 'True') return { ready: false, reason: 'RolloutPaused', message: paused.message };
  const desired = status.desired ?? 0;
  if (desired === 0) return { ready: false, reason: 'NoHostsSelected', message: 'No EdgeHost is selected: see status.excludedHosts and spec.placement.' };
  const available = status.available ?? 0;
  if (available < desired) {
    return { ready: false, reason: 'InstancesNotReady', message: `${available} of ${desired} hosts are Ready on revision ${status.revision ?? ''}.` };
  }
  return { ready: true, reason: 'Ready', message: `All ${desired} hosts are Ready on revision ${status.revision ?? ''}.` };
}

const maxHostsListed = 1024;
const maxExcludedListed = 256;

/** Writes what was observed and decided into the draft: counts, hosts, wave, conditions. */
export function recordStatus(draft: AppDeploymentDraft, revision: string, placement: Placement, hosts: readonly ObservedHost[], decision: AppDeploymentDecision): void {
  const status = draft.value;
  const failed = new Set(decision.rollout?.failedHosts ?? (status.revision === revision ? status.failedHosts ?? [] : []));
  const rows = hosts.map((h) => hostRow(h, revision, failed.has(h.name)));
  status.revision = revision;
  status.desired = hosts.length;
  status.updated = rows.filter((r) => r.revision === revision).length;
  status.ready = rows.filter((r) => r.state === 'Ready' || r.state === 'Outdated').length;
  status.available = rows.filter((r) => r.state === 'Ready').length;
  status.hosts = rows.slice(0, maxHostsListed);
  status.excludedHosts = placement.excluded.slice(0, maxExcludedListed);
  if (decision.rollout) {
    status.wave = decision.rollout.wave;
    status.failedHosts = [...decision.rollout.failedHosts];
  }
  if (status.excludedHosts.length === 0) delete status.excludedHosts;
  if (status.failedHosts?.length === 0) delete status.failedHosts;
  if (status.wave === undefined) delete status.wave;
  recordConditions(draft, decision.action, status);
}

function hostRow(host: ObservedHost, revision: string, failed: boolean): AppDeploymentHostStatus {
  const base = { name: host.name, instance: host.instanceName, edgeNamespace: host.edgeNamespace };
  if (host.instance.kind !== 'Ours') return { ...base, state: host.instance.kind === 'Conflict' ? 'Conflict' : 'Pending' };
  const view = host.instance.view;
  const current = view.revision === revision;
  const state: HostState = current ? (view.ready ? 'Ready' : failed ? 'Failed' : 'Progressing') : (view.ready ? 'Outdated' : 'NotReady');
  return { ...base, ...(view.revision ? { revision: view.revision } : {}), state };
}

function recordConditions(draft: AppDeploymentDraft, action: AppDeploymentAction, status: AppDeploymentStatus): void {
  const wave = status.wave ? `wave ${status.wave.number} (${status.wave.hosts.join(', ')})` : 'no wave';
  switch (action.kind) {
    case 'NotPermitted':
      draft.set('Progressing', false, 'NotPermitted', action.message);
      draft.markStalled('NotPermitted', action.message);
      return;
    case 'Paused':
      if (action.reason === 'ManuallyPaused') {
        const message = 'spec.rollout.paused is true: no instance is created or updated until it is false.';
        draft.set('Paused', true, 'ManuallyPaused', message);
        draft.set('Progressing', false, 'ManuallyPaused', message);
        draft.markSettled();
      } else {
        const message = `Revision ${status.revision ?? ''} failed its health gate on ${action.hosts.join(', ')}: the rollout is paused and the other hosts keep the version they run. Change spec.template (e.g. back to the previous version) to go on.`;
        draft.set('Paused', true, 'GateFailed', message);
        draft.set('Progressing', false, 'GateFailed', message);
        draft.markStalled('GateFailed', message);
      }
      return;
    case 'Complete':
      draft.set('Paused', false, 'NotPaused', 'The rollout is not paused.');
      draft.set('Progressing', false, 'RolloutComplete', `Every selected host runs revision ${status.revision ?? ''}.`);
      draft.markSettled();
      return;
    default: {
      const [reason, message] = progress(action, wave);
      draft.set('Paused', false, 'NotPaused', 'The rollout is not paused.');
      draft.set('Progressing', true, reason, message);
      draft.markReconciling(reason, message);
    }
  }
}

function progress(action: Exclude<AppDeploymentAction, { kind: 'NotPermitted' | 'Paused' | 'Complete' }>, wave: string): [AppDeploymentReason, string] {
  switch (action.kind) {
    case 'Remove': return ['RemovingHosts', `Removing the instances of hosts no longer placed: ${action.instances.map((i) => i.host).join(', ')}.`];
    case 'StartWave': return ['WaveStarting', `Starting ${wave}.`];
    case 'UpdateInstances': return ['WaveInProgress', `Updating the instances of ${wave}.`];
    case 'Wait':
      switch (action.reason) {
        case 'WaveInProgress': return ['WaveInProgress', `Waiting for the instances of ${wave} to become Ready.`];
        case 'Baking': return ['Baking', `The instances of ${wave} are Ready; baking before the wave counts as done.`];
        case 'WaitingBetweenWaves': return ['WaitingBetweenWaves', `${wave} passed its gate; pausing before the next wave.`];
        case 'WaitingForAvailability': return ['WaitingForAvailability', 'As many hosts as rollout.maxUnavailable allows are not Ready: waiting for some to become Ready before updating more.'];
      }
  }
}
