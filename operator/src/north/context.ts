/**
 * The steps every North request takes before it acts, each throwing the NorthError the caller
 * should see: who calls (401), which namespace the tenant is (404), whether the caller may (403),
 * which EdgeHost an address names and whether the tenant is granted it (404/409/403).
 */
import type { FastifyRequest } from 'fastify';
import type { EdgeHost } from '../api/edgehost.js';
import type { Tenant } from '../api/tenant.js';
import { hostVerdict } from '../tenancy/governance.js';
import { requireAccess, type AccessQuestion } from './auth/access.js';
import type { Caller } from './auth/caller.js';
import type { NorthDeps } from './deps.js';
import { conflict, forbidden, lcmCodes, notFound } from './errors.js';
import { lookupHost } from './hosts.js';
import { resolveTenant } from './tenants.js';

export interface TenantScope {
  readonly caller: Caller;
  readonly tenant: Tenant;
  readonly namespace: string;
}

/** Authenticates, maps the tenant id to its namespace, and checks `questions` there (namespace filled in). */
export async function enterTenant(
  deps: NorthDeps, request: FastifyRequest, tenantId: string, ...questions: Omit<AccessQuestion, 'namespace'>[]
): Promise<TenantScope> {
  const caller = await deps.authenticator.identify(request.headers);
  const resolution = resolveTenant(tenantId, deps.view.tenants());
  if (resolution.kind === 'Refused') throw notFound(resolution.message);
  await requireAccess(deps.access, caller, ...questions.map((q) => ({ ...q, namespace: resolution.namespace })));
  return { caller, tenant: resolution.tenant, namespace: resolution.namespace };
}

/** The EdgeHost at `address` that the namespace's Tenant grants. */
export function grantedHost(deps: NorthDeps, namespace: string, address: string): EdgeHost {
  const lookup = lookupHost(address, deps.view.hostsAt(address));
  if (lookup.kind === 'Unknown') throw notFound(lookup.message, lcmCodes.hostNotFound);
  if (lookup.kind === 'Duplicate') throw conflict(lookup.message);
  const host = lookup.host;
  const verdict = hostVerdict(deps.view.governance(namespace), { name: host.metadata.name ?? '', labels: host.metadata.labels });
  if (!verdict.ok) throw forbidden(verdict.message);
  return host;
}

/** Who asked, for the objects' requested-by annotation. */
export function requester(caller: Caller): string {
  return caller.kind === 'Appstore' ? `appstore:${caller.userId}` : caller.user.username;
}
