/**
 * The host list of `GET /north/v1/mechosts` (pure): the EdgeHosts with an address that the
 * Tenants of the caller's namespaces grant, in EdgeGallery's inventory shape, ordered by address
 * as numbers (10.0.0.2 before 10.0.0.10). An address two EdgeHosts share is left out: North
 * addresses neither (hosts.ts).
 */
import type { EdgeHost } from '../api/edgehost.js';
import { othersAtAddress } from '../controllers/edgehost/addresses.js';
import { hostVerdict } from '../tenancy/governance.js';
import { hasAddress, mecHostOf, type MecHost } from './hosts.js';
import type { NorthView } from './view.js';

/** The hosts granted by the Tenants governing `namespaces`, each address once. */
export function grantedHostList(view: Pick<NorthView, 'hosts' | 'hostsAt' | 'governance'>, namespaces: readonly string[]): MecHost[] {
  const governances = namespaces.map((ns) => view.governance(ns));
  const granted = (host: EdgeHost) => governances.some((g) => hostVerdict(g, { name: host.metadata.name ?? '', labels: host.metadata.labels }).ok);
  const listed: Array<{ key: number; host: MecHost }> = [];
  for (const host of view.hosts()) {
    if (!hasAddress(host) || othersAtAddress(host, view.hostsAt(host.spec.address)).length > 0 || !granted(host)) continue;
    listed.push({ key: ipv4Number(host.spec.address), host: mecHostOf(host) });
  }
  return listed.sort((a, b) => a.key - b.key).map((l) => l.host);
}

/** An IPv4 address as one number, for ordering (the API server validated the address). */
export function ipv4Number(address: string): number {
  return address.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}
