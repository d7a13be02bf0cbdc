/**
 * Gathers everything decideStatus needs for one host: the three probes (run side by side),
 * the number of AppInstances placed on it and the other hosts with its address. All I/O of the EdgeHost controller is here.
 */
import type { EdgeHost } from '../../api/edgehost.js';
import { KubeconfigError, type EdgeClients } from '../../edge/clients.js';
import { othersAtAddress } from './addresses.js';
import type { Observation } from './decide.js';
import { probeCluster, probeMep, probeRepository, type Probe } from './probes.js';
import { EdgeHostReason } from '../../api/edgehost-conditions.js';
import type { SecretValues } from '../secret-values.js';
import type { SecretRead } from '../secrets.js';

export interface ObserveDeps {
  readonly secrets: SecretValues;
  readonly clients: EdgeClients;
  readonly appInstanceCount: (host: string) => number;
  /** The EdgeHosts with this spec.address (the informer's address index). */
  readonly hostsAt: (address: string) => readonly EdgeHost[];
  readonly timeoutMs: number;
}

export async function observeHost(host: EdgeHost, deps: ObserveDeps): Promise<Observation> {
  const [cluster, repository, mep] = await Promise.all([
    observeCluster(host, deps),
    observeRepository(host, deps),
    host.spec.mep ? observeMep(host, deps) : Promise.resolve(undefined),
  ]);
  return { cluster, repository, mep, appInstanceCount: deps.appInstanceCount(host.metadata.name ?? ''), addressConflict: addressConflictOf(host, deps) };
}

/** The other EdgeHosts with this host's address, if any (from the cache: no I/O). */
export function addressConflictOf(host: EdgeHost, deps: Pick<ObserveDeps, 'hostsAt'>): Observation['addressConflict'] {
  const address = host.spec.address;
  const others = address ? othersAtAddress(host, deps.hostsAt(address)) : [];
  return address && others.length > 0 ? { address, others } : undefined;
}

async function observeCluster(host: EdgeHost, deps: ObserveDeps): Promise<Observation['cluster']> {
  const { infrastructure } = host.spec;
  if (infrastructure.type !== 'kubernetes') {
    return { ok: false, reason: EdgeHostReason.UnsupportedInfrastructure, transient: false,
      message: `Infrastructure type ${infrastructure.type} has no plugin in this operator; only kubernetes is supported.` };
  }
  const ref = infrastructure.kubeconfigSecretRef;
  if (!ref) return { ok: false, reason: EdgeHostReason.KubeconfigSecretNotFound, transient: false, message: 'spec.infrastructure.kubeconfigSecretRef is not set.' };
  const read = await deps.secrets.read(ref, 'kubeconfig');
  if (!read.ok) {
    const reasons = { NotFound: EdgeHostReason.KubeconfigSecretNotFound, KeyMissing: EdgeHostReason.KubeconfigKeyMissing,
      NamespaceNotAllowed: EdgeHostReason.SecretNamespaceNotAllowed } as const;
    return { ok: false, transient: false, message: read.message, reason: reasons[read.problem] };
  }
  try {
    return await probeCluster(await deps.clients.get(read.value), deps.timeoutMs);
  } catch (error) {
    if (!(error instanceof KubeconfigError)) throw error;
    return { ok: false, reason: error.reason, transient: false, message: `Kubeconfig Secret ${ref.name}: ${error.message}` };
  }
}

async function observeRepository(host: EdgeHost, deps: ObserveDeps): Promise<Probe<null>> {
  const { repository } = host.spec;
  let credentials: { username: string; password: string } | undefined;
  if (repository.credentialsSecretRef) {
    const ref = repository.credentialsSecretRef;
    const [username, password] = await Promise.all([deps.secrets.read({ ...ref, key: 'username' }, 'username'), deps.secrets.read({ ...ref, key: 'password' }, 'password')]);
    const bad = failed(username) ?? failed(password);
    if (bad) return secretFailure(bad, EdgeHostReason.RepositorySecretInvalid, ' The repository Secret needs keys username and password.');
    credentials = { username: valueOf(username), password: valueOf(password) };
  }
  let ca: string | undefined;
  if (repository.caSecretRef) {
    const read = await deps.secrets.read(repository.caSecretRef, 'ca.crt');
    if (!read.ok) return secretFailure(read, EdgeHostReason.RepositorySecretInvalid);
    ca = read.value;
  }
  return probeRepository({ url: repository.url, insecure: repository.insecure ?? false, credentials, ca }, deps.timeoutMs);
}

async function observeMep(host: EdgeHost, deps: ObserveDeps): Promise<Probe<null>> {
  const mep = host.spec.mep!;
  let token: string | undefined;
  let ca: string | undefined;
  if (mep.tokenSecretRef) {
    const read = await deps.secrets.read(mep.tokenSecretRef, 'token');
    if (!read.ok) return secretFailure(read, EdgeHostReason.MEPSecretInvalid);
    token = read.value.trim();
  }
  if (mep.caSecretRef) {
    const read = await deps.secrets.read(mep.caSecretRef, 'ca.crt');
    if (!read.ok) return secretFailure(read, EdgeHostReason.MEPSecretInvalid);
    ca = read.value;
  }
  return probeMep({ url: mep.url, token, ca }, deps.timeoutMs);
}

type FailedRead = Extract<SecretRead, { ok: false }>;

function failed(read: SecretRead): FailedRead | undefined {
  return read.ok ? undefined : read;
}

/** A Secret that cannot be used: `invalid` as the reason, unless it is in a namespace it may not be in. */
function secretFailure(read: FailedRead, invalid: EdgeHostReason, hint = ''): Probe<null> {
  if (read.problem === 'NamespaceNotAllowed') return { ok: false, reason: EdgeHostReason.SecretNamespaceNotAllowed, transient: false, message: read.message };
  return { ok: false, reason: invalid, transient: false, message: `${read.message}${hint}` };
}

function valueOf(read: SecretRead): string {
  return read.ok ? read.value : '';
}
