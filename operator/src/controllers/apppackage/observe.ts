/**
 * Everything decide needs for one AppPackage, read and never written: the package as the API
 * server has it now, the EdgeHosts (informer), the Tenant governing its namespace and its other
 * packages (informers), the Secrets it refers to (readSecretKey), and what this process holds
 * of it (the downloaded file, the parsed package, the verdict).
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import type { AppPackage } from '../../api/apppackage.js';
import type { EdgeHost } from '../../api/edgehost.js';
import type { SourceCredentials } from '../../appstore/client.js';
import { parseDockerConfig, type CredentialsByHost } from '../../oci/credentials.js';
import { repositoryLocation } from '../../oci/layout.js';
import { cachedFileFor } from '../../packages/download.js';
import type { PackageStore } from '../../packages/store.js';
import type { Informer } from '../../runtime/informer.js';
import { isNotFound } from '../../runtime/kube/errors.js';
import { splitKey } from '../../runtime/kube/resource.js';
import type { ResourceClient } from '../../runtime/kube/resource-client.js';
import { hasFinalizer, isDeleting } from '../../runtime/objects.js';
import { forEachLimited } from '../../util/concurrency.js';
import { stableJson } from '../../util/stable-json.js';
import { countVerdict, governedVerdict, hostVerdict, packageBytesLeft, tenantName, type Governance } from '../../tenancy/governance.js';
import type { Tenancy } from '../../tenancy/tenancy.js';
import { firstRefusal } from '../../tenancy/verdict.js';
import { edgeHostSecretRef, readSecretKey, type SecretObject } from '../secrets.js';
import { tenantSiblings } from '../tenant-scope.js';
import { decideHost, type AppPackageObservation, type ByteBudget, type ObservedHost, type Read, type RepositoryAccess } from './decide.js';
import type { Credentials } from './edge-repository.js';
import { finalizer } from './finalizer.js';
import { targetHosts } from './targets.js';
import type { Verifications } from './verifications.js';

export interface ObserveDeps {
  readonly packages: Informer<AppPackage>;
  readonly resources: ResourceClient<AppPackage>;
  readonly hosts: Informer<EdgeHost>;
  readonly secrets: ResourceClient<SecretObject>;
  readonly store: PackageStore;
  readonly verifications: Verifications;
  /** Where EdgeHost Secrets must be (the hosts' repository credentials). */
  readonly operatorNamespace: string;
  readonly tenancy: Tenancy;
}

/**
 * The package as the API server has it, read through: after a step and an immediate requeue
 * the informer may not have our last write yet, and acting on it would repeat the step.
 * Undefined when it is gone.
 */
export async function readPackage(key: string, deps: ObserveDeps): Promise<AppPackage | undefined> {
  if (!deps.packages.get(key)) return undefined;
  const { namespace, name } = splitKey(key);
  try {
    return await deps.resources.get(name, namespace);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export async function observePackage(key: string, pkg: AppPackage, deps: ObserveDeps): Promise<AppPackageObservation> {
  const namespace = pkg.metadata.namespace ?? '';
  const { spec } = pkg;
  const statusSha256 = pkg.status?.digest?.replace('sha256:', '');
  const wanted = spec.sha256 ?? statusSha256;
  const secretRef = spec.source.appstore?.credentialsSecretRef ?? spec.source.http?.credentialsSecretRef;
  const caRef = spec.verification?.trustedCASecretRef;
  const imagesRef = spec.images?.credentialsSecretRef;

  const [cached, source, trustedCa, imageCredentials] = await Promise.all([
    wanted ? cachedDownload(deps.store.cacheDir, wanted) : undefined,
    secretRef ? sourceCredentials(deps.secrets, { namespace, name: secretRef.name }) : { ok: true as const, credentials: undefined },
    caRef ? readKey(deps.secrets, { namespace, name: caRef.name, key: caRef.key }, 'ca.crt') : { ok: true as const, value: undefined },
    imagesRef ? registryCredentials(deps.secrets, { namespace, name: imagesRef.name }) : { ok: true as const, value: undefined },
  ]);
  const parsedSha256 = cached?.sha256 ?? statusSha256;
  const verificationInputs = stableJson({
    sha256: cached?.sha256, verification: spec.verification ?? {},
    ca: trustedCa.ok && trustedCa.value !== undefined ? createHash('sha256').update(trustedCa.value).digest('hex') : undefined,
  });
  const digest = cached ? `sha256:${cached.sha256}` : pkg.status?.digest ?? '';
  const targets = isDeleting(pkg) ? [] : targetHosts(pkg, deps.hosts.list());
  const governance = deps.tenancy.governance(namespace);
  const siblings = tenantSiblings(governance, deps.packages);
  return {
    hasFinalizer: hasFinalizer(pkg, finalizer),
    // The finalizer is added only once a package is let in: it comes first among those of its second.
    permission: firstRefusal(governedVerdict(governance), countVerdict(governance, 'appPackages', pkg, siblings, (p) => hasFinalizer(p, finalizer))),
    budget: byteBudget(governance, pkg, siblings),
    cached, source, trustedCa, verificationInputs, imageCredentials, targets,
    parsed: parsedSha256 ? deps.store.parsedNow(parsedSha256) : undefined,
    verification: deps.verifications.get(key, verificationInputs),
    hosts: await observeHosts(pkg, targets, digest, governance, deps),
  };
}

function byteBudget(governance: Governance, pkg: AppPackage, siblings: readonly AppPackage[]): ByteBudget | undefined {
  const left = packageBytesLeft(governance, pkg, siblings);
  const limit = governance.kind === 'Governed' ? governance.tenant.spec.limits?.packageBytes : undefined;
  return left === undefined || limit === undefined ? undefined : { tenant: tenantName(governance) ?? '', limit, left };
}

/**
 * The targets and the hosts with an entry, each with whether the Tenant grants it; repositories
 * are read only where a push or removal needs them.
 */
async function observeHosts(pkg: AppPackage, targets: readonly string[], digest: string, governance: Governance, deps: ObserveDeps): Promise<ObservedHost[]> {
  const previous = new Map((pkg.status?.hosts ?? []).map((h) => [h.name, h]));
  const names = [...new Set([...targets, ...previous.keys()])].sort();
  const credentialReads = new Map<string, Promise<Read<Credentials | undefined>>>();
  const observed = new Map<string, ObservedHost>();
  await forEachLimited(names, 8, async (name) => {
    const host = deps.hosts.get(name);
    const view = {
      name, previous: previous.get(name), targeted: targets.includes(name), exists: host !== undefined, paused: host?.spec.paused ?? false,
      permission: hostVerdict(governance, { name, labels: host?.metadata.labels }),
    };
    const decision = decideHost(view.previous, view, digest);
    const needsRepository = host && (decision === 'Push' || decision === 'Remove');
    observed.set(name, needsRepository ? { ...view, access: await repositoryAccess(host, deps, credentialReads) } : view);
  });
  return names.flatMap((name) => observed.get(name) ?? []);
}

async function repositoryAccess(host: EdgeHost, deps: ObserveDeps, reads: Map<string, Promise<Read<Credentials | undefined>>>): Promise<Read<RepositoryAccess>> {
  let location: RepositoryAccess['location'];
  try {
    location = repositoryLocation(host.spec.repository);
  } catch (error) {
    return { ok: false, message: `EdgeHost ${host.metadata.name}: repository URL ${host.spec.repository.url} is not usable: ${(error as Error).message}` };
  }
  const reference = host.spec.repository.credentialsSecretRef;
  if (!reference) return { ok: true, value: { location, credentials: undefined } };
  const allowed = edgeHostSecretRef(reference, deps.operatorNamespace);
  if (!allowed.ok) return { ok: false, reason: 'SecretNamespaceNotAllowed', message: `EdgeHost ${host.metadata.name}: ${allowed.message}` };
  const { ref } = allowed;
  // Hosts often share one registry Secret: read it once per observation.
  const key = `${ref.namespace}/${ref.name}`;
  let read = reads.get(key);
  if (!read) {
    read = userPassword(deps.secrets, ref);
    reads.set(key, read);
  }
  const credentials = await read;
  return credentials.ok ? { ok: true, value: { location, credentials: credentials.value } } : credentials;
}

async function cachedDownload(cacheDir: string, sha256: string): Promise<AppPackageObservation['cached']> {
  const file = cachedFileFor(cacheDir, sha256);
  try {
    return { sha256, file, size: (await stat(file)).size };
  } catch {
    return undefined;
  }
}

/** Key `token` (trimmed), else keys `username` and `password`. */
async function sourceCredentials(secrets: ResourceClient<SecretObject>, at: { namespace: string; name: string }): Promise<AppPackageObservation['source']> {
  const token = await readSecretKey(secrets, { ...at, key: 'token' }, 'token');
  if (!token.ok && token.problem === 'NotFound') return { ok: false, reason: 'CredentialsSecretInvalid', message: token.message, transient: true };
  if (token.ok && token.value.trim()) return { ok: true, credentials: { kind: 'Token', token: token.value.trim() } };
  const [username, password] = await Promise.all([
    readSecretKey(secrets, { ...at, key: 'username' }, 'username'), readSecretKey(secrets, { ...at, key: 'password' }, 'password'),
  ]);
  if (username.ok && password.ok) {
    const credentials: SourceCredentials = { kind: 'Basic', username: username.value.trim(), password: password.value.trim() };
    return { ok: true, credentials };
  }
  return { ok: false, reason: 'SourceRefused', transient: false,
    message: `Secret ${at.namespace}/${at.name} has neither a token key nor username and password keys.` };
}

/** Key `.dockerconfigjson`: credentials per registry host (docker config.json semantics). */
async function registryCredentials(secrets: ResourceClient<SecretObject>, at: { namespace: string; name: string }): Promise<Read<CredentialsByHost>> {
  const read = await readKey(secrets, { ...at, key: '.dockerconfigjson' }, '.dockerconfigjson');
  if (!read.ok) return { ok: false, message: `${read.message} Image credentials are a kubernetes.io/dockerconfigjson Secret: each registry host gets only its own entry.` };
  try {
    return { ok: true, value: parseDockerConfig(read.value) };
  } catch (error) {
    return { ok: false, message: `Secret ${at.namespace}/${at.name}: ${(error as Error).message}.` };
  }
}

/** Keys `username` and `password`, as written. */
async function userPassword(secrets: ResourceClient<SecretObject>, at: { namespace: string; name: string }): Promise<Read<Credentials>> {
  const [username, password] = await Promise.all([
    readKey(secrets, { ...at, key: 'username' }, 'username'), readKey(secrets, { ...at, key: 'password' }, 'password'),
  ]);
  if (!username.ok) return username;
  if (!password.ok) return password;
  return { ok: true, value: { username: username.value, password: password.value } };
}

async function readKey(secrets: ResourceClient<SecretObject>, ref: { namespace: string; name: string; key?: string }, defaultKey: string): Promise<Read<string>> {
  const read = await readSecretKey(secrets, ref, defaultKey);
  return read.ok ? { ok: true, value: read.value } : { ok: false, message: read.message };
}
