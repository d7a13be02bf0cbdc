/**
 * EdgeHost status as a pure function of what the probes saw, what the host's status says and
 * what this process remembers of the host:
 *
 *   cluster probe ok ─────────────────────────► Reachable=True, facts updated, contact = now
 *   failure the user must fix (Secret, CA, 401) ► Reachable=False at once
 *   no answer, within the grace period ─────────► Reachable unchanged (no write), probe sooner
 *   no answer, grace period over ───────────────► Reachable=False (last facts kept)
 *
 * Ready = Reachable ∧ RepositoryReachable ∧ (MEPReachable when a MEP is configured).
 * Healthy hosts are probed every interval; failing ones with exponential backoff, never past
 * the moment their grace period ends. Times in status change only together with something
 * else, so a steady host causes no writes.
 */
import { rfc3339, setCondition, removeCondition, findCondition, type Condition, type ConditionInput } from '../../runtime/conditions.js';
import type { EdgeHostStatus } from '../../api/edgehost.js';
import { backoffDelay } from '../../runtime/backoff.js';
import { stableJson } from '../../util/stable-json.js';
import type { ClusterFacts, Probe } from './probes.js';
import { ConditionType, Reason, type ProbeFailure } from './reasons.js';

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

export function decideStatus(input: DecideInput): Decision {
  const { observation, settings, now, generation } = input;
  const previous = input.status ?? {};
  const nowMs = now.getTime();
  const memory = input.memory ?? { lastContactMs: undefined, failingSinceMs: undefined, failures: 0 };
  const wasReachable = findCondition(previous.conditions as Condition[] | undefined, ConditionType.Reachable)?.status === 'True';

  let conditions = (previous.conditions ?? []) as readonly Condition[];
  const set = (c: Omit<ConditionInput, 'observedGeneration'>) => { conditions = setCondition(conditions, { ...c, observedGeneration: generation }, now); };
  let facts: Partial<EdgeHostStatus> = pickFacts(previous);
  let nextMemory: ProbeMemory;
  let nextProbeMs = settings.intervalMs;

  const cluster = observation.cluster;
  if (cluster.ok) {
    nextMemory = { lastContactMs: nowMs, failingSinceMs: undefined, failures: 0 };
    const { kubernetesVersion, nodeCount, capacity, allocatable } = cluster.facts;
    facts = { kubernetesVersion, nodeCount, capacity, allocatable };
    set({ type: ConditionType.Reachable, status: 'True', reason: Reason.EdgeClusterReachable,
      message: `Kubernetes ${cluster.facts.kubernetesVersion}; ${cluster.facts.readyNodeCount} of ${cluster.facts.nodeCount} nodes ready.` });
  } else {
    const failingSinceMs = memory.failingSinceMs ?? nowMs;
    nextMemory = { lastContactMs: memory.lastContactMs, failingSinceMs, failures: memory.failures + 1 };
    const graceEndsMs = failingSinceMs + settings.graceMs;
    const inGrace = cluster.transient && wasReachable && nowMs < graceEndsMs;
    nextProbeMs = backoffDelay(memory.failures, { baseMs: settings.retryBaseMs, capMs: settings.intervalMs });
    if (inGrace) {
      nextProbeMs = Math.max(1, Math.min(nextProbeMs, graceEndsMs - nowMs));
    } else {
      set({ type: ConditionType.Reachable, status: 'False', reason: cluster.reason, message: failureMessage(cluster, memory.lastContactMs, now) });
    }
  }

  setEndpoint(ConditionType.RepositoryReachable, observation.repository, Reason.RepositoryReachable, 'The repository answers GET /v2/.', set);
  if (observation.mep) setEndpoint(ConditionType.MEPReachable, observation.mep, Reason.MEPReachable, 'The MEP answers.', set);
  else conditions = removeCondition(conditions, ConditionType.MEPReachable);
  if (!cluster.ok || !observation.repository.ok || (observation.mep && !observation.mep.ok)) {
    nextProbeMs = Math.min(nextProbeMs, backoffDelay(memory.failures, { baseMs: settings.retryBaseMs, capMs: settings.intervalMs }));
  }

  const notReady = [ConditionType.Reachable, ConditionType.RepositoryReachable, ConditionType.MEPReachable]
    .map((type) => findCondition(conditions, type))
    .find((c) => c !== undefined && c.status !== 'True');
  set(notReady
    ? { type: ConditionType.Ready, status: 'False', reason: notReady.reason, message: notReady.message }
    : { type: ConditionType.Ready, status: 'True', reason: Reason.EdgeHostReady, message: 'The edge cluster, its repository and its MEP answer.' });

  const status: EdgeHostStatus = {
    ...facts,
    conditions: conditions as EdgeHostStatus['conditions'],
    appInstanceCount: observation.appInstanceCount,
    observedGeneration: generation,
  };
  return { status: stampTimes(status, previous, nextMemory, now), memory: nextMemory, nextProbeMs };
}

function setEndpoint(
  type: string, probe: Probe<null>, okReason: string, okMessage: string,
  set: (c: Omit<ConditionInput, 'observedGeneration'>) => void,
): void {
  set(probe.ok ? { type, status: 'True', reason: okReason, message: okMessage } : { type, status: 'False', reason: probe.reason, message: probe.message });
}

function failureMessage(failure: ProbeFailure, lastContactMs: number | undefined, now: Date): string {
  if (!failure.transient || lastContactMs === undefined) return failure.message;
  const minutes = Math.round((now.getTime() - lastContactMs) / 60_000);
  return `${failure.message} (last contact ${minutes} min ago)`;
}

function pickFacts(status: EdgeHostStatus): Partial<EdgeHostStatus> {
  const { kubernetesVersion, nodeCount, capacity, allocatable } = status;
  return JSON.parse(JSON.stringify({ kubernetesVersion, nodeCount, capacity, allocatable })) as Partial<EdgeHostStatus>;
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
