/**
 * Where one deployment made through North stands — a package on one host, and the instance
 * running it there if there is one — derived from the CRs' status alone (pure). The status words
 * of both appstore flows are read off this state (status-words.ts), and so can anything else
 * that must tell the appstore about progress (subscriptions): compute it from the informer
 * caches and map it, never from a second source.
 *
 *   Creating ──► Distributing ──► Distributed ──► Instantiating ──► Running
 *      │              │                               │
 *      ▼              ▼                               ▼
 *   CreateFailed  DistributeFailed              InstantiateFailed        (any) ──► Terminating
 */
import type { AppInstance } from '../api/appinstance.js';
import type { AppPackage } from '../api/apppackage.js';
import { findCondition, isTrue } from '../runtime/conditions.js';

export type DeploymentState =
  /** The package is being downloaded, verified and parsed. */
  | { readonly kind: 'Creating' }
  /** The package will not be usable without a change (download, verification or parsing refused it). */
  | { readonly kind: 'CreateFailed'; readonly message: string }
  | { readonly kind: 'Distributing' }
  | { readonly kind: 'DistributeFailed'; readonly message: string }
  /** On the host's repository; no instance (yet). */
  | { readonly kind: 'Distributed' }
  | { readonly kind: 'Instantiating' }
  | { readonly kind: 'InstantiateFailed'; readonly message: string }
  /** The instance is Ready: installed, workloads ready, rules configured. */
  | { readonly kind: 'Running' }
  | { readonly kind: 'Terminating' };

export type DeploymentStateKind = DeploymentState['kind'];

const stalledMessage = (conditions: Parameters<typeof findCondition>[0], fallback: string) =>
  findCondition(conditions, 'Stalled')?.message || fallback;

/** The package's own state on `hostName`, ignoring any instance. */
export function packageState(pkg: AppPackage, hostName: string): DeploymentState {
  const conditions = pkg.status?.conditions;
  const host = pkg.status?.hosts?.find((h) => h.name === hostName);
  if (pkg.metadata.deletionTimestamp || host?.state === 'Deleting') return { kind: 'Terminating' };
  if (host?.state === 'Distributed' && (!host.digest || host.digest === pkg.status?.digest)) return { kind: 'Distributed' };
  if (host?.state === 'Error') return { kind: 'DistributeFailed', message: host.message || `distribution to ${hostName} failed` };
  const parsed = isTrue(conditions, 'Parsed');
  if (isTrue(conditions, 'Stalled')) {
    const message = stalledMessage(conditions, 'the package was refused');
    return parsed ? { kind: 'DistributeFailed', message } : { kind: 'CreateFailed', message };
  }
  return parsed ? { kind: 'Distributing' } : { kind: 'Creating' };
}

/** The state of the deployment on `hostName`: the package's until it is there, then the instance's. */
export function deploymentState(pkg: AppPackage | undefined, instance: AppInstance | undefined, hostName: string): DeploymentState {
  if (instance?.metadata.deletionTimestamp) return { kind: 'Terminating' };
  const onHost = pkg ? packageState(pkg, hostName) : undefined;
  if (onHost && onHost.kind !== 'Distributed') return onHost;
  if (!instance) return onHost ?? { kind: 'Terminating' };
  const conditions = instance.status?.conditions;
  if (isTrue(conditions, 'Ready')) return { kind: 'Running' };
  if (isTrue(conditions, 'Stalled') || instance.status?.phase === 'Failed') {
    return { kind: 'InstantiateFailed', message: stalledMessage(conditions, instance.status?.lastOperation?.message ?? 'the instance failed') };
  }
  return { kind: 'Instantiating' };
}

/** Order of progress, failures first: the state shown first when hosts differ (the appstore reads only data[0]). */
const rank: Record<DeploymentStateKind, number> = {
  CreateFailed: 0, DistributeFailed: 1, InstantiateFailed: 2, Terminating: 3, Creating: 4, Distributing: 5, Distributed: 6, Instantiating: 7, Running: 8,
};

/** Compares two states so that a failure, then the least advanced, sorts first. */
export function worstFirst(a: DeploymentState, b: DeploymentState): number {
  return rank[a.kind] - rank[b.kind];
}
