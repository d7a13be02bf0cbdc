/**
 * EdgeHost addresses (pure). `spec.address` is the IPv4 address the appstore knows a host by,
 * and it must be unique — but two EdgeHosts can be given the same one (the schema cannot say
 * "unique"). North refuses an address two hosts share, naming both; the EdgeHost controller
 * shows the conflict on each of them (Ready False, AddressConflict). Both find the hosts at an
 * address through one index of the shared EdgeHost informer.
 */
import type { EdgeHost } from '../../api/edgehost.js';

/** The index of the EdgeHost informer from an address to the hosts that have it. */
export const addressIndex = 'address';

export function addressesOf(host: EdgeHost): string[] {
  return host.spec.address ? [host.spec.address] : [];
}

/**
 * The names of the other EdgeHosts with `host`'s address, sorted; empty when it has none or
 * its own. `atAddress` are the hosts the address index gives for that address.
 */
export function othersAtAddress(host: EdgeHost, atAddress: readonly EdgeHost[]): string[] {
  if (!host.spec.address) return [];
  return atAddress.filter((h) => h.metadata.name !== host.metadata.name && h.spec.address === host.spec.address)
    .map((h) => h.metadata.name ?? '').sort();
}
