/**
 * Condition types and reasons of Tenant, declared once. The status draft only accepts these,
 * so a misspelt reason does not compile.
 *
 *   Conflicting  True  NamespaceConflict      a hub namespace of spec.namespaces is listed by another
 *                                             Tenant too: neither governs it
 *                True  EdgeNamespaceConflict  another Tenant holds one of the same edge namespace
 *                                             patterns: what it matches belongs to neither
 *                False NoConflicts
 *   Ready        True  GrantInForce           the grant governs all its namespaces and edge namespaces
 *                False NamespaceConflict | EdgeNamespaceConflict (from Conflicting)
 *   Ready = not Conflicting (controllers/tenant/summarize.ts)
 */
import type { CommonConditionType } from '../runtime/status.js';
import type { TENANT_CONDITIONS } from './tenant.js';

/** The Tenant's own condition types (Ready, Reconciling and Stalled are every kind's). */
export type TenantConditionType = Exclude<(typeof TENANT_CONDITIONS)[number], CommonConditionType>;

/** Why a Tenant conflicts with another, worst first: a shared hub namespace loses more than a shared pattern. */
export type TenantConflictReason = 'NamespaceConflict' | 'EdgeNamespaceConflict';

export type TenantReason =
  | 'GrantInForce'
  | 'NoConflicts'
  | TenantConflictReason;
