/**
 * What a release runs and where it can be reached, read from the edge for status pages: its
 * Services and the Pods of its workloads.
 *
 * Which objects are the release's comes from its manifest (what helm created), not from labels
 * such as `app.kubernetes.io/instance`: charts set those or not as they like (EdgeGallery's do
 * not), and helm's own `meta.helm.sh/release-name` is an annotation, which no API call selects
 * by. Services are in the manifest and are read by name. Pods are not (their controllers make
 * them): each workload's Pods are listed with the workload's own live `spec.selector` — the
 * selector its controller counts with — and kept only when the workload controls them (a
 * Deployment's through its ReplicaSet `<name>-<pod-template-hash>`), so a Pod someone else
 * labelled alike is not taken for the app's. Pods being deleted are left out.
 */
import type { KubeClient } from '../../runtime/kube/client.js';
import type { KubeObject, ResourceType } from '../../runtime/kube/resource.js';
import { ResourceClient } from '../../runtime/kube/resource-client.js';
import type { LabelSelector } from '../../runtime/selector.js';
import type { PodPhase, ReleasePod, ReleaseResources, ReleaseService } from '../plugin.js';
import { getIfExists } from './edge-api.js';
import { workloadsOf, type ManifestObject, type ManifestWorkload } from './manifest.js';
import { getWorkload } from './workloads.js';

const podType: ResourceType = { group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true };
const serviceType: ResourceType = { group: '', version: 'v1', plural: 'services', kind: 'Service', namespaced: true };

/** The fields of a Pod this reads. */
export interface LivePod extends KubeObject {
  spec?: { containers?: Array<{ name: string }> };
  status?: { phase?: string; containerStatuses?: Array<{ name: string; ready?: boolean }> };
}

/** The fields of a Service this reads. */
export interface LiveService extends KubeObject {
  spec?: { type?: string; ports?: Array<{ name?: string; protocol?: string; port: number; targetPort?: number | string; nodePort?: number }> };
}

const phases: ReadonlySet<string> = new Set<PodPhase>(['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown']);
const byName = <T extends { readonly name: string }>(a: T, b: T) => a.name.localeCompare(b.name);

/** The release's Services and its workloads' Pods, sorted by name. Throws the client's errors. */
export async function readResources(client: KubeClient, objects: readonly ManifestObject[]): Promise<ReleaseResources> {
  const isCore = (kind: string) => (o: ManifestObject) => o.apiVersion === 'v1' && o.kind === kind;
  const [services, workloadPods, barePods] = await Promise.all([
    Promise.all(objects.filter(isCore('Service')).map((o) => getIfExists<LiveService>(client, serviceType, o.name, o.namespace))),
    Promise.all(workloadsOf(objects).map((w) => podsOf(client, w))),
    Promise.all(objects.filter(isCore('Pod')).map((o) => getIfExists<LivePod>(client, podType, o.name, o.namespace))),
  ]);
  const pods = new Map<string, LivePod>();
  for (const pod of [...workloadPods.flat(), ...barePods]) {
    if (pod && !pod.metadata.deletionTimestamp) pods.set(`${pod.metadata.namespace}/${pod.metadata.name}`, pod);
  }
  return {
    pods: [...pods.values()].map(releasePod).sort(byName),
    services: services.filter((s): s is LiveService => s !== undefined).map(releaseService).sort(byName),
  };
}

/** The Pods `workload` controls, found with its live selector; none when it is gone or selects nothing. */
async function podsOf(client: KubeClient, workload: ManifestWorkload): Promise<LivePod[]> {
  const live = await getWorkload(client, workload) as (KubeObject & { spec?: { selector?: LabelSelector } }) | undefined;
  const selector = live?.spec?.selector;
  const query = selector ? selectorQuery(selector) : undefined;
  if (!live || !query) return [];
  const listed = await new ResourceClient<LivePod>(client, podType).list({ namespace: workload.namespace, labelSelector: query });
  return listed.items.filter((pod) => controlledBy(pod, workload, live.metadata.uid));
}

/** Whether `workload` (with `uid`) is the controller of `pod`: directly, or a Deployment through its ReplicaSet. */
export function controlledBy(pod: LivePod, workload: Pick<ManifestWorkload, 'kind' | 'name'>, uid: string | undefined): boolean {
  const owner = pod.metadata.ownerReferences?.find((r) => r.controller);
  if (!owner) return false;
  if (workload.kind === 'Deployment') {
    const hash = pod.metadata.labels?.['pod-template-hash'];
    return owner.kind === 'ReplicaSet' && hash !== undefined && owner.name === `${workload.name}-${hash}`;
  }
  return owner.kind === workload.kind && owner.name === workload.name && (uid === undefined || owner.uid === uid);
}

/**
 * A label selector in the API's query syntax (`a=b,c in (d,e),!f`); undefined for one that
 * selects nothing the API can be asked for (no terms: a workload's selector never is empty).
 */
export function selectorQuery(selector: LabelSelector): string | undefined {
  const terms = [
    ...Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`),
    ...(selector.matchExpressions ?? []).map(({ key, operator, values = [] }) => {
      switch (operator) {
        case 'In': return `${key} in (${values.join(',')})`;
        case 'NotIn': return `${key} notin (${values.join(',')})`;
        case 'Exists': return key;
        case 'DoesNotExist': return `!${key}`;
      }
    }),
  ];
  return terms.length > 0 ? terms.join(',') : undefined;
}

function releasePod(pod: LivePod): ReleasePod {
  const phase = pod.status?.phase ?? 'Pending';
  const statuses = new Map((pod.status?.containerStatuses ?? []).map((c) => [c.name, c.ready === true]));
  return {
    name: pod.metadata.name ?? '',
    phase: phases.has(phase) ? phase as PodPhase : 'Unknown',
    containers: (pod.spec?.containers ?? []).map((c) => ({ name: c.name, ready: statuses.get(c.name) ?? false })),
  };
}

function releaseService(service: LiveService): ReleaseService {
  return {
    name: service.metadata.name ?? '',
    type: service.spec?.type ?? 'ClusterIP',
    ports: (service.spec?.ports ?? []).map((p) => ({
      ...(p.name ? { name: p.name } : {}),
      protocol: p.protocol ?? 'TCP', port: p.port, targetPort: String(p.targetPort ?? p.port),
      ...(p.nodePort ? { nodePort: p.nodePort } : {}),
    })),
  };
}
