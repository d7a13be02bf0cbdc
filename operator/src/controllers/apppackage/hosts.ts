/**
 * status.hosts: one entry per host that holds, or is getting, the package; and what the entries
 * add up to (status.distributed and the Distributed condition). Pure.
 */
import type { AppPackageStatus } from '../../api/apppackage.js';
import type { AppPackageReason } from '../../api/apppackage-conditions.js';
import { rfc3339 } from '../../runtime/conditions.js';

export type HostEntry = NonNullable<AppPackageStatus['hosts']>[number];

const maxMessageLength = 4000;

/** The entry of `name` in `state`; lastTransitionTime moves only when the state does. */
export function hostEntry(old: HostEntry | undefined, name: string, state: HostEntry['state'], message: string, now: Date, digest: string): HostEntry {
  const kept = old?.state === state ? old.lastTransitionTime : undefined;
  return { name, state, message: message.slice(0, maxMessageLength), lastTransitionTime: kept ?? rfc3339(now), digest };
}

/**
 * The entry of a targeted host the Tenant does not grant. What the host held stays on record
 * (its chartReference), so deletion takes out only what was pushed while it was granted.
 */
export function refusedEntry(old: HostEntry | undefined, refusal: Refusal, now: Date, digest: string): HostEntry {
  const entry = hostEntry(old, refusal.name, 'Error', `Not permitted: ${refusal.message}`, now, old?.digest ?? digest);
  return old?.chartReference === undefined ? entry : { ...entry, chartReference: old.chartReference };
}

/** A target the Tenant does not grant, and the missing grant. */
export interface Refusal {
  readonly name: string;
  readonly message: string;
}

/** The entry of a host the package is being taken out of: what it held stays on record. */
export function deletingEntry(old: HostEntry, now: Date): HostEntry {
  return { ...old, state: 'Deleting', message: `Removing the package from ${old.name}.`,
    lastTransitionTime: old.state === 'Deleting' ? old.lastTransitionTime : rfc3339(now) };
}

export interface DistributionSummary {
  /** status.distributed: targets that hold this package, of all targets. */
  readonly distributed: string;
  readonly condition: { readonly status: boolean; readonly reason: AppPackageReason; readonly message: string };
  /** A host is still being pushed to or taken out of: retried with backoff. */
  readonly pending: boolean;
  /** A host failed in a way a retry alone will not fix (or does not exist). */
  readonly errors: boolean;
  /** Targets the Tenant does not grant, said in one message; undefined when there are none. */
  readonly refused: string | undefined;
}

/**
 * What the entries add up to for these targets. An entry of a host that is no target is work
 * left; a refused target (`refused`) is neither work left nor an error: it waits for the grant.
 */
export function summarizeHosts(targets: readonly string[], entries: readonly HostEntry[], refused: readonly Refusal[] = []): DistributionSummary {
  const targeted = new Set(targets);
  const refusedNames = new Set(refused.map((r) => r.name));
  const distributed = entries.filter((e) => e.state === 'Distributed' && targeted.has(e.name)).length;
  const pending = entries.some((e) => e.state === 'Distributing' || e.state === 'Deleting' || !targeted.has(e.name));
  const errors = entries.some((e) => e.state === 'Error' && !refusedNames.has(e.name));
  const counts = `Distributed to ${distributed} of ${targets.length} host(s)`;
  const notPermitted = refused.length ? refusalMessage(refused) : undefined;
  const condition = targets.length === 0
    ? { status: true, reason: 'NoTargetHosts' as const, message: 'No EdgeHost is targeted; set spec.distribution to distribute the package.' }
    : distributed === targets.length && !pending
      ? { status: true, reason: 'DistributionSucceeded' as const, message: `${counts}.` }
      : errors
        ? { status: false, reason: 'DistributionFailed' as const, message: `${counts}; see status.hosts for the errors.` }
        : notPermitted && !pending
          ? { status: false, reason: 'NotPermitted' as const, message: `${counts}; ${notPermitted}` }
          : { status: false, reason: 'DistributionInProgress' as const, message: `${counts}; the others are retried.` };
  return { distributed: `${distributed}/${targets.length}`, condition, pending, errors, refused: notPermitted };
}

const refusalsNamed = 3;

function refusalMessage(refused: readonly Refusal[]): string {
  const more = refused.length > refusalsNamed ? `; and ${refused.length - refusalsNamed} more (see status.hosts)` : '';
  return `not permitted: ${refused.slice(0, refusalsNamed).map((r) => r.message).join('; ')}${more}.`;
}
