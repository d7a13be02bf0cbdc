/**
 * Tenants and the objects they govern, as plain values for the pure tenancy tests: a Tenant
 * named `name` listing `namespaces`, with any spec fields given; objects with a UID, a creation
 * time and (for packages) a size, for the age-ordered limits.
 */
import type { Tenant, TenantSpec } from '../../src/api/tenant.js';

export function tenant(name: string, namespaces: readonly string[], spec: Partial<TenantSpec> = {}, uid = `uid-${name}`): Tenant {
  return {
    apiVersion: 'mecm.io/v1alpha1', kind: 'Tenant',
    metadata: { name, uid, generation: 1, creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { namespaces: [...namespaces], ...spec },
  };
}

/** An object created at `created` (RFC 3339, second precision) with `uid`, optionally holding `sizeBytes`. */
export function aged(uid: string, created: string, sizeBytes?: number) {
  return { metadata: { uid, creationTimestamp: created }, ...(sizeBytes === undefined ? {} : { status: { sizeBytes } }) };
}
