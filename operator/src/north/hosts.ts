/**
 * EdgeHosts as the appstore sees them (pure): addressed by the IPv4 `spec.address`, listed as
 * EdgeGallery's inventory listed MEC hosts. An address two EdgeHosts share addresses neither:
 * North refuses it by name rather than guess (EdgeHost addresses are not unique by schema; the
 * EdgeHost controller shows the conflict on both, controllers/edgehost/addresses.ts).
 */
import type { EdgeHost } from '../api/edgehost.js';

export type HostLookup =
  | { readonly kind: 'Found'; readonly host: EdgeHost }
  | { readonly kind: 'Unknown'; readonly message: string }
  | { readonly kind: 'Duplicate'; readonly message: string };

/** The host at `address` among `candidates` (those the address index returned). */
export function lookupHost(address: string, candidates: readonly EdgeHost[]): HostLookup {
  if (candidates.length === 1) return { kind: 'Found', host: candidates[0]! };
  if (candidates.length === 0) {
    return { kind: 'Unknown', message: `Mec host info record does not exist: no EdgeHost has spec.address ${address}` };
  }
  const names = candidates.map((h) => h.metadata.name ?? '').sort().join(', ');
  return { kind: 'Duplicate', message: `address ${address} is spec.address of EdgeHosts ${names}: an admin must give each EdgeHost a unique address` };
}

/** A host as EdgeGallery's North listed it (GET /north/v1/mechosts); fields absent, never null. */
export interface MecHost {
  readonly mechostIp: string;
  readonly mechostName: string;
  readonly mechostCity?: string;
  readonly vim: 'K8S' | 'OpenStack';
  readonly affinity?: string;
}

export function mecHostOf(host: EdgeHost & { spec: { address: string } }): MecHost {
  const affinity = host.spec.affinity?.join(',');
  return {
    mechostIp: host.spec.address,
    mechostName: host.spec.displayName ?? host.metadata.name ?? host.spec.address,
    ...(host.spec.location?.city ? { mechostCity: host.spec.location.city } : {}),
    vim: host.spec.infrastructure.type === 'openstack' ? 'OpenStack' : 'K8S',
    ...(affinity ? { affinity } : {}),
  };
}

export function hasAddress(host: EdgeHost): host is EdgeHost & { spec: { address: string } } {
  return typeof host.spec.address === 'string' && host.spec.address.length > 0;
}
