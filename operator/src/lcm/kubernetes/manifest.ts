/**
 * The objects of a release, read from its rendered manifest (`helm get manifest`): exactly
 * what helm created, whatever labels the chart puts on them. Hooks are not in the manifest
 * and are not counted. Pure.
 */
import yaml from 'js-yaml';
import { LcmError, WORKLOAD_KINDS, type ObjectRef, type WorkloadKind } from '../plugin.js';

/** One object of the manifest: its reference and its body as rendered. */
export interface ManifestObject extends ObjectRef {
  readonly body: Readonly<Record<string, unknown>>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Parses a multi-document manifest. An object without `metadata.namespace` gets the release
 * namespace (helm installs it there); the caller drops it for cluster-scoped kinds. `List`
 * documents are flattened. Throws LcmError(Failed) when the text is not YAML.
 */
export function parseManifest(text: string, releaseNamespace: string): ManifestObject[] {
  let docs: unknown[];
  try {
    docs = yaml.loadAll(text, undefined, { schema: yaml.CORE_SCHEMA });
  } catch (error) {
    throw new LcmError('Failed', `The release manifest is not YAML (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`);
  }
  const objects: ManifestObject[] = [];
  const add = (doc: unknown) => {
    if (!isObject(doc)) return;
    if (doc.kind === 'List' && Array.isArray(doc.items)) {
      doc.items.forEach(add);
      return;
    }
    const metadata = isObject(doc.metadata) ? doc.metadata : {};
    if (typeof doc.apiVersion !== 'string' || typeof doc.kind !== 'string' || typeof metadata.name !== 'string') return;
    const namespace = typeof metadata.namespace === 'string' && metadata.namespace ? metadata.namespace : releaseNamespace;
    objects.push({ apiVersion: doc.apiVersion, kind: doc.kind, name: metadata.name, namespace, body: doc });
  };
  docs.forEach(add);
  return objects;
}

export interface ManifestWorkload extends ManifestObject {
  readonly kind: WorkloadKind;
  readonly namespace: string;
}

/** The Deployments, StatefulSets, DaemonSets and Jobs of a manifest (apps/v1 and batch/v1). */
export function workloadsOf(objects: readonly ManifestObject[]): ManifestWorkload[] {
  return objects.filter((o): o is ManifestWorkload => (WORKLOAD_KINDS as readonly string[]).includes(o.kind) &&
    (o.apiVersion === 'apps/v1' || (o.kind === 'Job' && o.apiVersion === 'batch/v1')));
}

/** A number at `path` of a rendered body, e.g. `spec.replicas`; undefined when absent or not a number. */
export function numberAt(body: Readonly<Record<string, unknown>>, ...path: string[]): number | undefined {
  let node: unknown = body;
  for (const key of path) node = isObject(node) ? node[key] : undefined;
  return typeof node === 'number' ? node : undefined;
}
