/**
 * Readiness of a release's workloads on the edge: each Deployment, StatefulSet, DaemonSet and
 * Job of the manifest is read from the API server and judged by kstatus's rules (rolled out:
 * the controller saw the latest generation, every replica is updated and ready, no old ones
 * left). `workloadStatus` is pure; `readWorkloads` does the reads.
 */
import type { KubeClient } from '../../runtime/kube/client.js';
import type { KubeObject, ResourceType } from '../../runtime/kube/resource.js';
import type { WorkloadKind, WorkloadState, WorkloadStatus, WorkloadSummary } from '../plugin.js';
import { getIfExists } from './edge-api.js';
import { numberAt, type ManifestWorkload } from './manifest.js';

export const workloadTypes = {
  Deployment: { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true },
  StatefulSet: { group: 'apps', version: 'v1', plural: 'statefulsets', kind: 'StatefulSet', namespaced: true },
  DaemonSet: { group: 'apps', version: 'v1', plural: 'daemonsets', kind: 'DaemonSet', namespaced: true },
  Job: { group: 'batch', version: 'v1', plural: 'jobs', kind: 'Job', namespaced: true },
} as const satisfies Record<WorkloadKind, ResourceType>;

interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
}

/** The fields of the four workload kinds that readiness needs (all optional on the wire). */
export interface LiveWorkload extends KubeObject {
  spec?: {
    replicas?: number;
    completions?: number | null;
    suspend?: boolean;
    updateStrategy?: { type?: string };
    template?: { spec?: { nodeSelector?: Record<string, string> } };
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    readyReplicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
    desiredNumberScheduled?: number;
    numberReady?: number;
    numberAvailable?: number;
    updatedNumberScheduled?: number;
    succeeded?: number;
    conditions?: Condition[];
  };
}

const condition = (w: LiveWorkload, type: string) => w.status?.conditions?.find((c) => c.type === type);

/** Ready/desired and state of one live workload (`live` undefined: missing on the cluster). */
export function workloadStatus(workload: ManifestWorkload, live: LiveWorkload | undefined): WorkloadStatus {
  const { kind, namespace, name } = workload;
  if (!live) {
    const desired = kind === 'Job' ? numberAt(workload.body, 'spec', 'completions') ?? 1
      : kind === 'DaemonSet' ? 1 : numberAt(workload.body, 'spec', 'replicas') ?? 1;
    return { kind, namespace, name, ready: 0, desired, state: 'Missing' };
  }
  const s = live.status ?? {};
  const observed = (s.observedGeneration ?? 0) >= (live.metadata.generation ?? 0);
  let ready: number;
  let desired: number;
  let state: WorkloadState;
  switch (kind) {
    case 'Deployment': {
      desired = live.spec?.replicas ?? 1;
      ready = Math.min(s.readyReplicas ?? 0, desired);
      const rolledOut = observed && (s.updatedReplicas ?? 0) >= desired && (s.availableReplicas ?? 0) >= desired && (s.replicas ?? 0) <= desired;
      const stuck = condition(live, 'Progressing')?.reason === 'ProgressDeadlineExceeded';
      state = rolledOut && ready >= desired ? 'Ready' : stuck ? 'Failed' : 'Progressing';
      break;
    }
    case 'StatefulSet': {
      desired = live.spec?.replicas ?? 1;
      ready = Math.min(s.readyReplicas ?? 0, desired);
      const onDelete = live.spec?.updateStrategy?.type === 'OnDelete';
      const updated = onDelete || desired === 0 || ((s.updatedReplicas ?? 0) >= desired && s.currentRevision === s.updateRevision);
      state = observed && updated && ready >= desired && (s.replicas ?? 0) <= desired ? 'Ready' : 'Progressing';
      break;
    }
    case 'DaemonSet': {
      desired = s.desiredNumberScheduled ?? 0;
      ready = Math.min(s.numberReady ?? 0, desired);
      const rolledOut = observed && (s.updatedNumberScheduled ?? 0) >= desired && (s.numberAvailable ?? 0) >= desired;
      state = rolledOut && ready >= desired ? 'Ready' : 'Progressing';
      break;
    }
    case 'Job': {
      desired = live.spec?.completions ?? 1;
      ready = Math.min(s.succeeded ?? 0, desired);
      state = condition(live, 'Complete')?.status === 'True' ? 'Ready'
        : condition(live, 'Failed')?.status === 'True' ? 'Failed' : 'Progressing';
      if (state === 'Ready') ready = desired;
      break;
    }
  }
  return { kind, namespace, name, ready, desired, state };
}

/** Sums and the overall verdict of a list of workloads. */
export function summarize(workloads: readonly WorkloadStatus[]): WorkloadSummary {
  return {
    workloads,
    ready: workloads.reduce((n, w) => n + w.ready, 0),
    desired: workloads.reduce((n, w) => n + w.desired, 0),
    allReady: workloads.every((w) => w.state === 'Ready'),
  };
}

/** Where a live workload may be found without a request: the edge's watch (see edge-cache.ts). */
export interface WorkloadCache {
  workload(kind: WorkloadKind, namespace: string, name: string): LiveWorkload | undefined | 'NotCached';
}

/**
 * Judges each workload of the manifest, as the edge's cache has it or, when the cache cannot be
 * trusted, as a GET returns it; one that is not found is Missing. Throws the client's errors.
 */
export async function readWorkloads(client: KubeClient, workloads: readonly ManifestWorkload[], cache?: WorkloadCache): Promise<WorkloadSummary> {
  const statuses = await Promise.all(workloads.map(async (w) => {
    const cached = cache ? cache.workload(w.kind, w.namespace, w.name) : 'NotCached';
    return workloadStatus(w, cached === 'NotCached' ? await getWorkload(client, w) : cached);
  }));
  return summarize(statuses);
}

/** The live workload, or undefined when it does not exist. */
export function getWorkload(client: KubeClient, workload: ManifestWorkload): Promise<LiveWorkload | undefined> {
  return getIfExists<LiveWorkload>(client, workloadTypes[workload.kind], workload.name, workload.namespace);
}
