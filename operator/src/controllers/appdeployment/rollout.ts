/**
 * The rollout of a template revision over the selected hosts, as a pure function of what the
 * instances are, the wave recorded in status and the time. One wave at a time:
 *
 *   no wave of this revision open
 *     ─► hosts not on the revision (ranked) ─► none left ────────────► Complete
 *     ─► budget = maxUnavailable − hosts whose instance is not Ready
 *        take hosts already not Ready (free), then Ready or new ones while budget lasts,
 *        at most maxUnavailable in all ─► none ─► Wait(WaitingForAvailability)
 *     ─► StartWave: recorded in status FIRST (the caller writes it and comes back)
 *   wave open
 *     ─► its hosts not yet on the revision ─► UpdateInstances (one write each)
 *     ─► gate: Stalled, or not Ready by startTime + timeout ─► failed
 *        failed on this revision ≥ failureThreshold ─► Paused(GateFailed), for good
 *        some still coming ─► Wait(WaveInProgress)
 *        all Ready (or failed) since readyTime + bakeTime ─► completionTime = now
 *   wave complete ─► Wait(WaitingBetweenWaves) until completionTime + pause ─► next wave
 *
 * A host counts as not Ready whatever the cause (updating, failed, edge down), so the budget
 * holds for the first rollout, for hosts that fail, and for a revert alike. A host whose
 * instance already runs the revision is never touched, so reverting to what hosts run costs
 * them nothing. A killed operator finds the wave in status and updates only what it did not.
 */
import type { AppDeploymentWave } from '../../api/appdeployment.js';
import { rfc3339 } from '../../runtime/conditions.js';

/** One of our instances, as the rollout sees it. */
export interface InstanceView {
  readonly name: string;
  /** The template revision it was last written with (its label). */
  readonly revision: string | undefined;
  /** Ready=True for its current generation. */
  readonly ready: boolean;
  /** Stalled=True for its current generation: its own remediation gave up. */
  readonly stalled: boolean;
}

/** A selected host and what stands on it. */
export interface RolloutHost {
  readonly name: string;
  readonly instance:
    | { readonly kind: 'Absent' }
    /** An AppInstance of the name we would use that is not ours: left alone. */
    | { readonly kind: 'Conflict' }
    | { readonly kind: 'Ours'; readonly view: InstanceView };
}

export interface RolloutInput {
  readonly revision: string;
  /** In rank order. */
  readonly hosts: readonly RolloutHost[];
  /** status.wave as read from the API. */
  readonly wave: AppDeploymentWave | undefined;
  /** status.failedHosts, for status.revision. */
  readonly failedHosts: readonly string[];
  readonly recordedRevision: string | undefined;
  readonly maxUnavailable: number;
  readonly paused: boolean;
  readonly gateTimeoutMs: number;
  readonly bakeMs: number;
  readonly pauseMs: number;
  readonly failureThreshold: number;
  readonly now: Date;
}

export type RolloutAction =
  /** Record `wave` in status, and nothing else, before any of its instances is written. */
  | { readonly kind: 'StartWave'; readonly wave: AppDeploymentWave }
  /** Create or update these hosts' instances to the revision: hosts of the recorded wave. */
  | { readonly kind: 'UpdateInstances'; readonly hosts: readonly string[] }
  | { readonly kind: 'Wait'; readonly reason: 'WaveInProgress' | 'Baking' | 'WaitingBetweenWaves' | 'WaitingForAvailability'; readonly afterMs: number | undefined }
  | { readonly kind: 'Paused'; readonly reason: 'ManuallyPaused' }
  | { readonly kind: 'Paused'; readonly reason: 'GateFailed'; readonly hosts: readonly string[] }
  | { readonly kind: 'Complete' };

export interface RolloutDecision {
  readonly action: RolloutAction;
  /** status.wave to write (with readyTime, completionTime as they now are). */
  readonly wave: AppDeploymentWave | undefined;
  /** status.failedHosts to write: hosts that failed the gate on this revision. */
  readonly failedHosts: readonly string[];
}

export function decideRollout(input: RolloutInput): RolloutDecision {
  const { revision, now } = input;
  const selected = new Set(input.hosts.map((h) => h.name));
  let failed = input.recordedRevision === revision ? input.failedHosts.filter((h) => selected.has(h)) : [];
  let wave = input.wave;
  const at = (h: RolloutHost) => h.instance.kind === 'Ours' ? h.instance.view : undefined;
  const onRevision = (h: RolloutHost) => at(h)?.revision === revision;
  const result = (action: RolloutAction): RolloutDecision => ({ action, wave, failedHosts: failed });
  if (input.paused) return result({ kind: 'Paused', reason: 'ManuallyPaused' });

  if (wave && wave.revision === revision && !wave.completionTime) {
    const waveHosts = input.hosts.filter((h) => wave!.hosts.includes(h.name) && h.instance.kind !== 'Conflict');
    if (failed.length < input.failureThreshold) {
      const behind = waveHosts.filter((h) => !onRevision(h)).map((h) => h.name);
      if (behind.length) return result({ kind: 'UpdateInstances', hosts: behind });
    }
    const started = Date.parse(wave.startTime);
    const timedOut = now.getTime() >= started + input.gateTimeoutMs;
    const newlyFailed = waveHosts
      .filter((h) => !failed.includes(h.name) && onRevision(h) && (at(h)!.stalled || (!at(h)!.ready && timedOut)))
      .map((h) => h.name);
    failed = [...failed, ...newlyFailed];
    if (failed.length >= input.failureThreshold) return result({ kind: 'Paused', reason: 'GateFailed', hosts: failed });
    const coming = waveHosts.filter((h) => !failed.includes(h.name) && !(onRevision(h) && at(h)!.ready));
    if (coming.length) {
      wave = { ...wave, readyTime: undefined };
      return result({ kind: 'Wait', reason: 'WaveInProgress', afterMs: Math.max(0, started + input.gateTimeoutMs - now.getTime()) });
    }
    const readyTime = wave.readyTime ?? rfc3339(now);
    wave = { ...wave, readyTime };
    const baked = Date.parse(readyTime) + input.bakeMs;
    if (now.getTime() < baked) return result({ kind: 'Wait', reason: 'Baking', afterMs: baked - now.getTime() });
    wave = { ...wave, completionTime: rfc3339(now) };
  }
  if (failed.length >= input.failureThreshold) return result({ kind: 'Paused', reason: 'GateFailed', hosts: failed });

  const todo = input.hosts.filter((h) => h.instance.kind !== 'Conflict' && !onRevision(h) && !failed.includes(h.name));
  if (todo.length === 0) return result({ kind: 'Complete' });
  if (wave && wave.revision === revision && wave.completionTime) {
    const next = Date.parse(wave.completionTime) + input.pauseMs;
    if (now.getTime() < next) return result({ kind: 'Wait', reason: 'WaitingBetweenWaves', afterMs: next - now.getTime() });
  }
  const notReady = (h: RolloutHost) => h.instance.kind === 'Ours' && !h.instance.view.ready;
  const unavailable = input.hosts.filter(notReady).length;
  const free = todo.filter(notReady);
  const costly = todo.filter((h) => !notReady(h));
  const picks = [
    ...free.slice(0, input.maxUnavailable),
    ...costly.slice(0, Math.max(0, Math.min(input.maxUnavailable - unavailable, input.maxUnavailable - free.length))),
  ].map((h) => h.name);
  if (picks.length === 0) return result({ kind: 'Wait', reason: 'WaitingForAvailability', afterMs: undefined });
  const number = wave && wave.revision === revision ? wave.number + 1 : 1;
  wave = { number, revision, hosts: picks, startTime: rfc3339(now) };
  return result({ kind: 'StartWave', wave });
}
