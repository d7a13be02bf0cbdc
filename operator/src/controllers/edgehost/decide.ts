/**
 * EdgeHost status as a pure function of what the probes saw, what the host's status says and
 * what this process remembers of the host:
 *
 *   cluster probe ok ─────────────────────────► Reachable=True, facts updated, contact = now
 *   failure the user must fix (Secret, CA, 401) ► Reachable=False at once
 *   no answer, within the grace period ─────────► Reachable unchanged (no write), probe sooner
 *   no answer, grace period over ───────────────► Reachable=False (last facts kept)
 *
 * Ready = no other EdgeHost has this spec.address ∧ Reachable ∧ RepositoryReachable ∧
 * (MEPReachable when a MEP is configured), from summarizeEdgeHost.
 * Healthy hosts are probed every interval; failing ones with exponential backoff, never past
 * the moment their grace period ends. Times in status change only together with something
 * else, so a steady host causes no writes.
 */
import { rfc3339 } from '../../runtime/conditions.js';
import type { EdgeHostStatus } from '../../api/edgehost.js';
import { StatusDraft } from '../../runtime/status.js';
import { backoffDelay } from '../../runtime/backoff.js';
import { stableJson } from '../../util/stable-json.js';
import type { ClusterFacts, Probe } from './probes.js';
import { EdgeHostCondition, EdgeHostReason, type EdgeHostConditionType } from '../../api/edgehost-conditions.js';
import type { ProbeFailure } from './probes.js';
import { summarizeEdgeHost, type AddressConflict } from './summarize.js';

/** What this process remembers of a host between probes (lost on restart, by design). */
export interface ProbeMemory {
  /** Last successful contact with the edge cluster (ms since epoch). */
  readonly lastContactMs: number | undefined;
  /** When the current run of transient failures began (ms), for the grace period. */
  readonly failingSinceMs: number | undefined;
  readonly failures: number;
}

export interface ProbeSettings {
  readonly intervalMs: number;
  readonly graceMs: number;
  /** First retry delay of a failing host; doubles up to intervalMs. */
  readonly retryBaseMs: number;
}

export interface Observation {
  readonly cluster: Probe<ClusterFacts>;
  readonly repository: Probe<null>;
  /** undefined: the host has no MEP configured. */
  readonly mep: Probe<null> | undefined;
  readonly appInstanceCount: number;
  /** Other EdgeHosts with the same spec.address (undefined: none, or no address). */
  readonly addressConflict: AddressConflict | undefined;
}

export interface Decision {
  readonly status: EdgeHostStatus;
  readonly memory: ProbeMemory;
  readonly nextProbeMs: number;
}

export interface DecideInput {
  readonly status: EdgeHostStatus | undefined;
  readonly generation: number;
  readonly observation: Observation;
  readonly memory: ProbeMemory | undefined;
  readonly settings: ProbeSettings;
  readonly now: Date;
}

/** When the last probe was scheduled and what it depended on (spec generation, Secret versions). */
export interface Scheduled {
  readonly memory: ProbeMemory;
  readonly dueMs: number;
  readonly inputs: string;
}

/**
 * Whether to probe now: a changed input (spec, a Secret) probes at once; our own status write,
 * a resync or an unrelated event before the due time must not.
 */
export function probeDue(scheduled: Scheduled | undefined, inputs: string, nowMs: number): { readonly due: true } | { readonly due: false; readonly inMs: number } {
  if (scheduled && scheduled.inputs === inputs && nowMs < scheduled.dueMs) return { due: false, inMs: scheduled.dueMs - nowMs };
  return { due: true };
}

export function decideStatus(input: DecideInput): Decision {
  const { observation, settings, now, generation } = input;
  const previous = input.status ?? {};
  const nowMs = now.getTime();
  const memory = input.memory ?? { lastContactMs: undefined, failingSinceMs: undefined, failures: 0 };
  const draft = new StatusDraft<EdgeHostStatus, EdgeHostConditionType, EdgeHostReason>(
    { metadata: { generation }, status: previous }, summarizeEdgeHost(observation.addressConflict), now);
  const wasReachable = draft.isTrue(EdgeHostCondition.Reachable);
  let nextMemory: ProbeMemory;
  let nextProbeMs = settings.intervalMs;

  const cluster = observation.cluster;
  if (cluster.ok) {
    nextMemory = { lastContactMs: nowMs, failingSinceMs: undefined, failures: 0 };
    const { kubernetesVersion, nodeCount, capacity, allocatable } = cluster.facts;
    Object.assign(draft.value, { kubernetesVersion, nodeCount, capacity, allocatable });
    draft.set(EdgeHostCondition.Reachable, true, EdgeHostReason.EdgeClusterReachable,
      `Kubernetes ${cluster.facts.kubernetesVersion}; ${cluster.facts.readyNodeCount} of ${cluster.facts.nodeCount} nodes ready.`);
  } else {
    const failingSinceMs = memory.failingSinceMs ?? nowMs;
    nextMemory = { lastContactMs: memory.lastContactMs, failingSinceMs, failures: memory.failures + 1 };
    const graceEndsMs = failingSinceMs + settings.graceMs;
    const inGrace = cluster.transient && wasReachable && nowMs < graceEndsMs;
    nextProbeMs = backoffDelay(memory.failures, { baseMs: settings.retryBaseMs, capMs: settings.intervalMs });
    if (inGrace) {
      nextProbeMs = Math.max(1, Math.min(nextProbeMs, graceEndsMs - nowMs));
    } else {
      draft.set(EdgeHostCondition.Reachable, false, cluster.reason, failureMessage(cluster, memory.lastContactMs, now));
    }
  }

  setEndpoint(draft, EdgeHostCondition.RepositoryReachable, observation.repository, EdgeHostReason.RepositoryReachable, 'The repository answers GET /v2/.');
  if (observation.mep) setEndpoint(draft, EdgeHostCondition.MEPReachable, observation.mep, EdgeHostReason.MEPReachable, 'The MEP answers.');
  else draft.remove(EdgeHostCondition.MEPReachable);
  if (!cluster.ok || !observation.repository.ok || (observation.mep && !observation.mep.ok)) {
    nextProbeMs = Math.min(nextProbeMs, backoffDelay(memory.failures, { baseMs: settings.retryBaseMs, capMs: settings.intervalMs }));
  }

  draft.value.appInstanceCount = observation.appInstanceCount;
  draft.markObserved();
  return { status: stampTimes(draft.result(), previous, nextMemory, now), memory: nextMemory, nextProbeMs };
}

type EdgeHostDraft = StatusDraft<EdgeHostStatus, EdgeHostConditionType, EdgeHostReason>;

function setEndpoint(draft: EdgeHostDraft, type: EdgeHostConditionType, probe: Probe<null>, okReason: EdgeHostReason, okMessage: string): void {
  if (probe.ok) draft.set(type, true, okReason, okMessage);
  else draft.set(type, false, probe.reason, probe.message);
}

function failureMessage(failure: ProbeFailure, lastContactMs: number | undefined, now: Date): string {
  if (!failure.transient || lastContactMs === undefined) return failure.message;
  const minutes = Math.round((now.getTime() - lastContactMs) / 60_000);
  return `${failure.message} (last contact ${minutes} min ago)`;
}

/** Sets lastContactTime/lastProbeTime only when something else changed: no write for time alone. */
function stampTimes(status: EdgeHostStatus, previous: EdgeHostStatus, memory: ProbeMemory, now: Date): EdgeHostStatus {
  const withoutTimes = ({ lastContactTime: _c, lastProbeTime: _p, ...rest }: EdgeHostStatus) => stableJson(rest);
  if (withoutTimes(status) === withoutTimes(previous)) {
    return { ...status, ...(previous.lastContactTime ? { lastContactTime: previous.lastContactTime } : {}), ...(previous.lastProbeTime ? { lastProbeTime: previous.lastProbeTime } : {}) };
  }
  const lastContact = memory.lastContactMs !== undefined ? rfc3339(new Date(memory.lastContactMs)) : previous.lastContactTime;
  return { ...status, ...(lastContact ? { lastContactTime: lastContact } : {}), lastProbeTime: rfc3339(now) };
}
