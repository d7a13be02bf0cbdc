/**
 * Gathers everything `decide` needs for one AppInstance, and the edge facts its status shows.
 * All reads of the AppInstance controller are here; nothing here writes or creates (the AK/SK
 * Secret is made by the EnsureCredentials action, the namespace by Install).
 *
 *   hub caches: package, host, AppRule, other instances (dependencies, the Tenant's count), Tenants
 *   hub reads:  host kubeconfig, AK/SK Secret, valuesFrom Secrets/ConfigMaps
 *   edge (through the LCM plugin): release and its owner; when it is not another instance's,
 *         its workloads and drift; while deleting, the namespace. Never for an instance the
 *         Tenant does not permit, unless it is deleted after acting on the edge (status.release):
 *         then it takes out its own release.
 */
import type { AppInstance } from '../../api/appinstance.js';
import type { AppPackage } from '../../api/apppackage.js';
import type { AppRule } from '../../api/apprule.js';
import type { EdgeHost } from '../../api/edgehost.js';
import type { CsarPackage } from '../../csar/index.js';
import { loadYamlGuarded, YamlRefusedError } from '../../util/yaml.js';
import { LcmError, type LcmPlugin, type Release, type ReleaseTarget, type WorkloadSummary } from '../../lcm/plugin.js';
import type { LcmPluginRegistry } from '../../lcm/registry.js';
import { parseReference } from '../../oci/reference.js';
import { imageDomain, repositoryLocation } from '../../oci/layout.js';
import type { PackageStore } from '../../packages/store.js';
import type { Informer } from '../../runtime/informer.js';
import { isNotFound } from '../../runtime/kube/errors.js';
import { objectKey } from '../../runtime/kube/resource.js';
import type { ResourceClient } from '../../runtime/kube/resource-client.js';
import { hasFinalizer, isDeleting } from '../../runtime/objects.js';
import { countVerdict, edgeNamespaceVerdict, hostVerdict, mayUseServicesOf, tenantName, type Governance } from '../../tenancy/governance.js';
import { edgeIdentity } from '../../tenancy/identity.js';
import type { Tenancy } from '../../tenancy/tenancy.js';
import { firstRefusal, type Verdict } from '../../tenancy/verdict.js';
import type { SecretValues } from '../secret-values.js';
import { edgeHostSecretRef, type EdgeHostSecretReference, type SecretObject } from '../secrets.js';
import { tenantSiblings } from '../tenant-scope.js';
import type {
  AppInstanceObservation, DesiredObservation, EdgeAccess, EdgeObservation, NamespaceObservation, ReleaseObservation, ReleaseOwner,
} from './decide.js';
import { credentialsSecretName, finalizer, releaseNameOf } from './names.js';
import { releaseOwner } from './ownership.js';
import { desiredRuleSpec, observeRules } from './rules.js';
import type { ObservedFacts } from './summarize.js';
import { atPath, buildValues, releaseDigest, type Values } from './values.js';

export interface ObserveDeps {
  /** The shared caches: other instances (dependencies), packages, hosts, owned AppRules. */
  readonly instances: Informer<AppInstance>;
  readonly packages: Informer<AppPackage>;
  readonly hosts: Informer<EdgeHost>;
  readonly rules: Informer<AppRule>;
  /** The parsed packages, shared with the AppPackage controller. */
  readonly store: PackageStore;
  readonly plugins: LcmPluginRegistry;
  /** Hub reads: kubeconfigs, the AK/SK Secret, valuesFrom. */
  readonly secrets: ResourceClient<SecretObject>;
  readonly configMaps: ResourceClient<SecretObject>;
  /** The hosts' kubeconfigs, read again only when their Secret changed. */
  readonly edgeSecrets: SecretValues;
  readonly deletionTimeoutMs: number;
  /** Where EdgeHost Secrets must be (the hosts' kubeconfigs). */
  readonly operatorNamespace: string;
  /** The Tenants: what the instance's namespace may use, and whose services it may rely on. */
  readonly tenancy: Tenancy;
  /** Reconciles the instance of `key` soon: its release or workloads changed on the edge. */
  readonly wake: (key: string) => void;
}

export interface Observed {
  readonly observation: AppInstanceObservation;
  readonly facts: ObservedFacts;
}

/** Observes `instance` (read through from the API server). LcmErrors other than an unreachable edge are thrown. */
export async function observe(instance: AppInstance, deps: ObserveDeps, now: Date): Promise<Observed> {
  const spec = instance.spec;
  const status = instance.status ?? {};
  const deleting = isDeleting(instance);
  const setupLeft = !deleting && (!hasFinalizer(instance, finalizer) || !status.appInstanceId);
  const pkg = deps.packages.get(`${instance.metadata.namespace ?? ''}/${spec.packageRef.name}`);
  const host = deps.hosts.get(spec.hostRef.name);
  const sha = pkg?.status?.digest?.replace('sha256:', '');
  const entry = pkg?.status?.hosts?.find((h) => h.name === spec.hostRef.name);
  const chartRef = entry && entry.state === 'Distributed' && entry.digest === pkg?.status?.digest ? entry.chartReference : undefined;
  const csar = sha ? await deps.store.open(sha).catch(() => undefined) : undefined;
  const resolved = host ? deps.plugins.resolve(host.spec.infrastructure.type) : undefined;
  const governance = deps.tenancy.governance(instance.metadata.namespace ?? '');
  const permission = permissionOf(instance, host, governance, deps);
  // Refused, the edge is not even read; deleted after acting on it, the instance takes out what is its own.
  const edgeRefused = permission.ok || (deleting && status.release !== undefined) ? undefined : permission.message;

  // A new instance has setup steps first: the edge is not asked until they are done.
  const kubeconfigRef = host?.spec.infrastructure.kubeconfigSecretRef;
  const kubeconfig = kubeconfigRef ? edgeHostSecretRef(kubeconfigRef, deps.operatorNamespace) : undefined;
  const access = setupLeft || edgeRefused !== undefined || !kubeconfigRef || !kubeconfig?.ok
    ? undefined : await edgeAccess(instance, kubeconfigRef, resolved?.ok ? resolved.plugin : undefined, governance, deps);
  const edgeSide = access ? await observeEdge(access, instance, deleting, deps.wake) : undefined;
  const edge: EdgeObservation = edgeRefused !== undefined ? { kind: 'NotPermitted', message: edgeRefused }
    : setupLeft ? { kind: 'NotObserved' }
      : kubeconfig && !kubeconfig.ok ? { kind: 'KubeconfigRefused', message: `EdgeHost ${spec.hostRef.name}: ${kubeconfig.message}` }
        : edgeSide && access ? { kind: 'Reachable', access } : { kind: 'Unreachable' };

  const desired = await observeDesired(instance, deps, { host, csar, chartRef, deleting });
  // Another instance's release is not recorded in this status: it is not ours to show, nor to adopt later.
  const foreign = edgeSide?.owner?.kind === 'Another';
  const facts: ObservedFacts = { release: foreign ? undefined : edgeSide?.release, workloads: edgeSide?.workloads };
  const current = edgeSide?.release;
  const release: ReleaseObservation = current && current !== 'Absent' && edgeSide?.owner
    ? {
        kind: 'Present', status: current.status, revision: current.revision, owner: edgeSide.owner,
        upToDate: desired.kind === 'Known' && status.release?.appliedDigest === desired.release.digest,
      }
    : { kind: 'Absent' };
  const rule = deps.rules.get(objectKey(instance));
  const deletedAt = Date.parse(instance.metadata.deletionTimestamp ?? now.toISOString());

  const observation: AppInstanceObservation = {
    deleting, hasFinalizer: hasFinalizer(instance, finalizer), appInstanceId: status.appInstanceId, suspended: spec.suspend ?? false, permission,
    infrastructure: resolved && !resolved.ok
      ? { kind: 'Unsupported', message: `EdgeHost ${spec.hostRef.name} has infrastructure type ${resolved.error.type}; supported: ${resolved.error.supported.join(', ')}.` }
      : { kind: 'Supported' },
    desired,
    missingDependencies: csar && !deleting ? missingDependencies(instance, csar, governance, deps) : [],
    dependents: deleting && csar ? dependents(instance, csar, governance, deps) : [],
    edge, release,
    desiredState: spec.desiredState ?? 'Started', stopped: status.operationalState === 'STOPPED',
    driftedObjects: edgeSide?.drifted ?? [],
    rules: deleting ? { kind: rule ? 'PresentButUnneeded' : 'NotNeeded' } : desired.kind === 'Known' ? observeRules(desired.release.rules, rule) : { kind: 'NotNeeded' },
    failures: status.observedGeneration === instance.metadata.generation ? status.failures ?? 0 : 0, maxRetries: spec.remediation?.retries ?? 3, remediation: spec.remediation?.strategy ?? 'Rollback',
    namespace: deleting && access && edgeSide?.release === 'Absent' ? await observeNamespace(access, status.release?.createdNamespace ?? false) : { kind: 'NotOurs' },
    workloadsReady: edgeSide?.workloads?.allReady ?? false,
    allowIncompleteRules: spec.rules?.allowIncomplete ?? false,
    deletionTimedOut: now.getTime() - deletedAt > deps.deletionTimeoutMs,
  };
  return { observation, facts };
}

/**
 * Whether the namespace's Tenant lets the instance use its host and edge namespace, and it is
 * among the Tenant's oldest spec.limits.appInstances.
 */
function permissionOf(instance: AppInstance, host: EdgeHost | undefined, governance: Governance, deps: ObserveDeps): Verdict {
  const { hostRef, namespace } = instance.spec;
  return firstRefusal(
    hostVerdict(governance, { name: hostRef.name, labels: host?.metadata.labels }),
    edgeNamespaceVerdict(governance, namespace),
    // The finalizer is added only once an instance is let in: it comes first among those of its second.
    countVerdict(governance, 'appInstances', instance, tenantSiblings(governance, deps.instances), (i) => hasFinalizer(i, finalizer)),
  );
}

/**
 * The plugin and release target of the instance, when its plugin and kubeconfig (`ref`, an
 * allowed one) are there. Under a Tenant the target carries the Tenant's edge identity, so
 * every change made on the edge for the instance is made as the tenant (lcm/plugin.ts).
 */
async function edgeAccess(instance: AppInstance, ref: EdgeHostSecretReference, plugin: LcmPlugin | undefined, governance: Governance, deps: ObserveDeps): Promise<EdgeAccess | undefined> {
  if (!plugin) return undefined;
  const kubeconfig = await deps.edgeSecrets.read(ref, 'kubeconfig');
  if (!kubeconfig.ok) return undefined;
  const releaseName = releaseNameOf(instance);
  const target: ReleaseTarget = {
    kubeconfig: kubeconfig.value, releaseName, namespace: instance.spec.namespace, createNamespace: false,
    owner: instance.metadata.namespace ?? '', ownerUid: instance.metadata.uid,
    ...(governance.kind === 'Governed'
      ? { identity: edgeIdentity(tenantName(governance) ?? '', governance.tenant.spec.allowClusterScopedObjects ?? false) } : {}),
  };
  return { plugin, target };
}

interface EdgeSide {
  readonly release: Release | 'Absent';
  /** Whose the release is; undefined when it is absent. */
  readonly owner: ReleaseOwner | undefined;
  readonly workloads: WorkloadSummary | undefined;
  readonly drifted: readonly string[];
}

/**
 * The release and its owner, and — unless it is another instance's — its workloads and (when
 * deployed and not deleting) its drift; undefined when the edge does not answer. The instance
 * follows its release from then on: a change on the edge wakes it, instead of a poll finding it.
 */
async function observeEdge({ plugin, target }: EdgeAccess, instance: AppInstance, deleting: boolean, wake: (key: string) => void): Promise<EdgeSide | undefined> {
  try {
    const key = objectKey(instance);
    await plugin.follow(key, target, () => wake(key));
    const current = await plugin.status(target);
    if (!current.exists) return { release: 'Absent', owner: undefined, workloads: undefined, drifted: [] };
    const owner = releaseOwner(current.ownerUid, instance, target);
    if (owner.kind === 'Another') return { release: current, owner, workloads: undefined, drifted: [] };
    const workloads = await plugin.workloads(target);
    const drifted = current.status === 'deployed' && !deleting ? (await plugin.drift(target)).missing.map((o) => `${o.kind}/${o.name}`) : [];
    return { release: current, owner, workloads, drifted };
  } catch (error) {
    // An edge that does not answer is a state to wait in; any other failure is the reconcile's.
    if (error instanceof LcmError && error.kind === 'ClusterUnreachable') return undefined;
    throw error;
  }
}

/** Whether terminate may delete the release namespace: made for this instance, and nothing else left in it. */
async function observeNamespace({ plugin, target }: EdgeAccess, createdByUs: boolean): Promise<NamespaceObservation> {
  if (!createdByUs) return { kind: 'NotOurs' };
  const state = await plugin.namespaceState(target);
  if (state.owner !== 'Ours') return { kind: 'NotOurs' };
  return state.otherReleases.length ? { kind: 'OursShared', releases: state.otherReleases } : { kind: 'OursUnused' };
}

interface PackageSide {
  readonly host: EdgeHost | undefined;
  readonly csar: CsarPackage | undefined;
  readonly chartRef: string | undefined;
  readonly deleting: boolean;
}

/** The release the spec asks for, once the package is on the host and the AK/SK Secret exists. */
async function observeDesired(instance: AppInstance, deps: ObserveDeps, { host, csar, chartRef, deleting }: PackageSide): Promise<DesiredObservation> {
  const spec = instance.spec;
  if (!host) return { kind: 'NoPackage', message: `EdgeHost ${spec.hostRef.name} does not exist.` };
  if (!chartRef || !csar) return { kind: 'NoPackage', message: `AppPackage ${spec.packageRef.name} is not distributed to ${spec.hostRef.name} yet.` };
  const id = instance.status?.appInstanceId;
  if (deleting || !id) return { kind: 'NoCredentials' };
  const aksk = await readCredentials(instance, deps.secrets);
  if (!aksk) return { kind: 'NoCredentials' };
  const location = repositoryLocation(host.spec.repository);
  const firstImage = csar.images.find((i) => i.swImage);
  const project = firstImage ? safeProject(firstImage.swImage) : undefined;
  const fromReferences = await valuesFrom(instance, deps);
  if (!fromReferences.ok) return { kind: 'BadValues', reason: fromReferences.reason, message: fromReferences.message };
  const values = buildValues({
    namespace: spec.namespace, appInstanceId: id, fromReferences: fromReferences.documents,
    aksk: { ...aksk, secretName: `mecm-aksk-${id.slice(0, 8)}` },
    specValues: spec.values as Values | undefined,
    imageLocation: project ? { domainName: imageDomain(location, { namespace: instance.metadata.namespace ?? '', name: spec.packageRef.name }), project } : undefined,
  });
  const appName = `${(csar.appd.appName ?? csar.app.name ?? instance.metadata.name ?? 'app').replace(/[^A-Za-z0-9-]/g, '-').slice(0, 40)}-${id.slice(0, 8)}`;
  return {
    kind: 'Known',
    release: {
      chartRef, plainHttp: location.baseUrl.startsWith('http:'), values, digest: releaseDigest(chartRef, values),
      timeoutMs: (spec.timeoutSeconds ?? 300) * 1000, createNamespace: spec.createNamespace ?? true,
      rules: desiredRuleSpec(instance, csar.appd, id, appName),
      rulesLeftOut: rulesLeftOut(instance, csar),
    },
  };
}

/** The app's access key pair from the hub Secret the EnsureCredentials action made; undefined when it is not there. */
async function readCredentials(instance: AppInstance, secrets: ResourceClient<SecretObject>): Promise<{ accessKey: string; secretKey: string } | undefined> {
  const secret = await secrets.get(credentialsSecretName(instance), instance.metadata.namespace ?? '')
    .catch((e: unknown) => { if (isNotFound(e)) return undefined; throw e; });
  if (!secret) return undefined;
  const read = (key: string) => Buffer.from(secret.data?.[key] ?? '', 'base64').toString('utf8');
  return { accessKey: read('accesskey'), secretKey: read('secretkey') };
}

type ValuesRead =
  | { readonly ok: true; readonly documents: Values[] }
  | { readonly ok: false; readonly reason: 'ValuesNotFound' | 'ValuesInvalid'; readonly message: string };

/** Limits of one valuesFrom document: a values file, not a way to stall the operator. */
const valuesLimits = { maxBytes: 1024 * 1024, maxNodes: 100_000 } as const;

/**
 * The documents of spec.valuesFrom, in order, each placed at its targetPath. Parsed with the
 * guarded loader (node, alias and size caps) and the core schema, so `replicas: 2` stays a
 * number and `enabled: false` a boolean.
 */
async function valuesFrom(instance: AppInstance, deps: ObserveDeps): Promise<ValuesRead> {
  const namespace = instance.metadata.namespace ?? '';
  const documents: Values[] = [];
  for (const ref of instance.spec.valuesFrom ?? []) {
    const client = ref.kind === 'Secret' ? deps.secrets : deps.configMaps;
    const object = await client.get(ref.name, namespace).catch((e: unknown) => { if (isNotFound(e)) return undefined; throw e; });
    const key = ref.valuesKey ?? 'values.yaml';
    const raw = object?.data?.[key];
    if (raw === undefined) {
      if (ref.optional) continue;
      const what = object ? `has no key ${key}` : 'does not exist';
      return { ok: false, reason: 'ValuesNotFound', message: `${ref.kind} ${namespace}/${ref.name} named in spec.valuesFrom ${what}.` };
    }
    const text = ref.kind === 'Secret' ? Buffer.from(raw, 'base64').toString('utf8') : raw;
    if (ref.targetPath) {
      documents.push(atPath(ref.targetPath, text));
      continue;
    }
    let doc: unknown;
    try {
      doc = loadYamlGuarded(text, `${ref.kind} ${namespace}/${ref.name} key ${key}`, valuesLimits);
    } catch (error) {
      if (!(error instanceof YamlRefusedError)) throw error;
      return { ok: false, reason: 'ValuesInvalid', message: `${error.message}.` };
    }
    if (doc !== null && (typeof doc !== 'object' || Array.isArray(doc))) {
      return { ok: false, reason: 'ValuesInvalid', message: `${ref.kind} ${namespace}/${ref.name} key ${key} is not a YAML map of values.` };
    }
    documents.push((doc as Values | null) ?? {});
  }
  return { ok: true, documents };
}

/** APPD rules left out as unusable (AppPackage RulesValid) that the spec does not replace by id. */
function rulesLeftOut(instance: AppInstance, csar: CsarPackage): string[] {
  const replaced = {
    traffic: new Set((instance.spec.rules?.appTrafficRule ?? []).map((r) => r.trafficRuleId)),
    dns: new Set((instance.spec.rules?.appDNSRule ?? []).map((r) => r.dnsRuleId)),
  };
  return csar.appd.ruleProblems.filter((p) => !replaced[p.kind].has(p.ruleId))
    .map((p) => `${p.kind === 'traffic' ? 'appTrafficRule' : 'appDNSRule'}[${p.index}] ${JSON.stringify(p.ruleId)}: ${p.problem}`);
}

/**
 * Required services that no Ready instance on the same host produces which this one may rely
 * on: one of the same Tenant, or of a Tenant marked sharedServices.
 */
function missingDependencies(instance: AppInstance, csar: CsarPackage, governance: Governance, deps: ObserveDeps): string[] {
  const required = csar.appd.servicesRequired.map((s) => s.serName);
  if (!required.length) return [];
  const produced = new Set(deps.instances.byIndex('host', instance.spec.hostRef.name)
    .filter((other) => other.metadata.uid !== instance.metadata.uid && other.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
    .filter((other) => mayUseServicesOf(governance, deps.tenancy.governance(other.metadata.namespace ?? '')))
    .flatMap((other) => parsedOf(other, deps)?.appd.servicesProduced.map((s) => s.serName) ?? []));
  return required.filter((s) => !produced.has(s));
}

/**
 * Other live instances on the host that require a service this one produces and were allowed
 * to rely on it: another Tenant's app cannot hold this one's termination hostage.
 */
function dependents(instance: AppInstance, csar: CsarPackage, governance: Governance, deps: ObserveDeps): string[] {
  const mine = new Set(csar.appd.servicesProduced.map((s) => s.serName));
  if (!mine.size) return [];
  return deps.instances.byIndex('host', instance.spec.hostRef.name)
    .filter((other) => other.metadata.uid !== instance.metadata.uid && !isDeleting(other))
    .filter((other) => (parsedOf(other, deps)?.appd.servicesRequired.map((s) => s.serName) ?? []).some((s) => mine.has(s)))
    .filter((other) => mayUseServicesOf(deps.tenancy.governance(other.metadata.namespace ?? ''), governance))
    .map((other) => objectKey(other));
}

function parsedOf(instance: AppInstance, deps: ObserveDeps): CsarPackage | undefined {
  const digest = deps.packages.get(`${instance.metadata.namespace}/${instance.spec.packageRef.name}`)?.status?.digest;
  return digest ? deps.store.parsedNow(digest.replace('sha256:', '')) : undefined;
}

function safeProject(swImage: string): string | undefined {
  try {
    return parseReference(swImage).repository.split('/')[0];
  } catch {
    return undefined;
  }
}
