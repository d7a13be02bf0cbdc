/**
 * A Tenant's status as a pure function of the Tenant and what observe read:
 *
 *   spec.namespaces ─ those another Tenant also lists ─► status.namespaces (governed)
 *                     each shared one ──────────────────► conflict Namespace (naming the other)
 *   edge namespace patterns (spec or <name>-*) ────────► status.edgeNamespaces
 *                     each one another Tenant holds too ► conflict EdgeNamespace
 *   EdgeHosts by name ∪ selector ──────────────────────► status.hosts (first 1024), hostCount
 *   AppInstances, AppPackages, their sizeBytes in the governed namespaces ► status.usage
 *   conflicts? ─► Conflicting True/False ─► Ready (summarize.ts)
 *
 * The rules are tenancy/'s, the same the other controllers enforce: governanceOf decides who
 * governs a namespace, sharedPatterns which patterns belong to neither, hostVerdict which hosts
 * are granted. A Tenant that changes nothing leaves the status as it was (no write).
 */
import type { TenantConflictReason, TenantConditionType, TenantReason } from '../../api/tenant-conditions.js';
import type { Tenant, TenantConflict, TenantStatus } from '../../api/tenant.js';
import { StatusDraft } from '../../runtime/status.js';
import { governedNamespaces, hostVerdict } from '../../tenancy/governance.js';
import { edgeNamespacePatterns, sharedPatterns } from '../../tenancy/patterns.js';
import type { TenantObservation } from './observe.js';
import { summarizeTenant } from './summarize.js';

/** status.hosts lists at most this many (the schema's maxItems); hostCount counts all. */
export const maxListedHosts = 1024;
/** status.conflicts holds at most this many (the schema's maxItems). */
export const maxConflicts = 256;
/** Conflicts spelt out in the Conflicting message; the rest are counted. */
const conflictsInMessage = 5;

export interface DecideInput {
  readonly tenant: Tenant;
  readonly observation: TenantObservation;
  readonly now: Date;
}

export function decideStatus({ tenant, observation, now }: DecideInput): TenantStatus {
  const draft = new StatusDraft<TenantStatus, TenantConditionType, TenantReason>(tenant, summarizeTenant, now);
  const governed = governedNamespaces(tenant, observation.others);
  const granted = grantedHosts(tenant, observation);
  const conflicts = conflictsOf(tenant, observation.others);

  draft.value.namespaces = governed;
  draft.value.edgeNamespaces = [...edgeNamespacePatterns(tenant)];
  draft.value.hosts = granted.slice(0, maxListedHosts);
  draft.value.hostCount = granted.length;
  draft.value.conflicts = conflicts.slice(0, maxConflicts);
  draft.value.usage = usageOf(governed, observation);
  if (conflicts.length === 0) {
    draft.set('Conflicting', false, 'NoConflicts', 'No other Tenant lists one of its namespaces or holds one of its edge namespace patterns.');
  } else {
    const reason: TenantConflictReason = conflicts.some((c) => c.kind === 'Namespace') ? 'NamespaceConflict' : 'EdgeNamespaceConflict';
    draft.set('Conflicting', true, reason, conflictMessage(conflicts));
  }
  draft.markObserved();
  return draft.result();
}

/** Names of the granted EdgeHosts, sorted: hostVerdict's rule (names ∪ selector) over the candidates. */
function grantedHosts(tenant: Tenant, observation: TenantObservation): string[] {
  const g = { kind: 'Governed', tenant, others: observation.others } as const;
  return [...new Set(observation.hosts.filter((h) => hostVerdict(g, h).ok).map((h) => h.name))].sort();
}

/** Every claim shared with another Tenant: hub namespaces first, then edge namespace patterns; sorted. */
export function conflictsOf(tenant: Tenant, others: readonly Tenant[]): TenantConflict[] {
  const namespaces = tenant.spec.namespaces.flatMap((namespace) => others
    .filter((o) => o.spec.namespaces.includes(namespace))
    .map((o): TenantConflict => ({ kind: 'Namespace', tenant: o.metadata.name ?? '', detail: namespace })));
  const patterns = others.flatMap((o) => sharedPatterns(tenant, o)
    .map((pattern): TenantConflict => ({ kind: 'EdgeNamespace', tenant: o.metadata.name ?? '', detail: pattern })));
  const order = (c: TenantConflict) => `${c.kind === 'Namespace' ? 0 : 1}\u0000${c.tenant}\u0000${c.detail}`;
  return [...namespaces, ...patterns].sort((a, b) => order(a).localeCompare(order(b)));
}

function usageOf(governed: readonly string[], observation: TenantObservation): NonNullable<TenantStatus['usage']> {
  const usage = { appInstances: 0, appPackages: 0, packageBytes: 0 };
  for (const namespace of governed) {
    const held = observation.usage.get(namespace);
    usage.appInstances += held?.appInstances ?? 0;
    usage.appPackages += held?.appPackages ?? 0;
    usage.packageBytes += held?.packageBytes ?? 0;
  }
  return usage;
}

/** What is shared, with whom, what it costs and what an admin does about it; the first few spelt out. */
function conflictMessage(conflicts: readonly TenantConflict[]): string {
  const lines = conflicts.slice(0, conflictsInMessage).map((c) => c.kind === 'Namespace'
    ? `hub namespace ${c.detail} is also listed by Tenant ${c.tenant}, so neither governs it`
    : `edge namespace pattern ${c.detail} is also held by Tenant ${c.tenant}, so the edge namespaces it matches belong to neither`);
  const more = conflicts.length > conflictsInMessage ? `; and ${conflicts.length - conflictsInMessage} more (status.conflicts)` : '';
  const remedies = [
    ...conflicts.some((c) => c.kind === 'Namespace') ? ['remove each shared hub namespace from all but one Tenant\'s spec.namespaces'] : [],
    ...conflicts.some((c) => c.kind === 'EdgeNamespace') ? ['give one of the Tenants other spec.edgeNamespaces'] : [],
  ];
  return `${lines.join('; ')}${more}. An admin must ${remedies.join(' and ')}.`;
}
