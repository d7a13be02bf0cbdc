/**
 * Where the operator may send notifications (pure): the admin's --north-callback-allowlist of
 * host patterns and CIDRs, judged on the callback URL and on the addresses its host resolves
 * to, so a tenant cannot make the operator reach the hub's own network (the API server, pod
 * and service ranges, cloud metadata) by naming it or by a DNS answer that points there.
 *
 *   entry                 admits
 *   hooks.example.com     that host, at public addresses only
 *   *.example.com         every name below example.com, at public addresses only
 *   10.20.0.0/16, ::1/128 any host (name or literal) at an address inside it — the only way to
 *                         reach loopback, link-local, private and other special addresses
 *
 * An address is usable when a CIDR entry holds it, or when a host pattern names the host and
 * the address is public. The caller connects only to a usable address it was given here (no
 * second lookup, so a DNS answer that changes in between cannot redirect the request).
 * Schemes: https, and http only with --north-callback-allow-http. No user or password in URLs.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';

export type AllowEntry =
  | { readonly kind: 'Host'; readonly pattern: string }
  | { readonly kind: 'Cidr'; readonly network: string; readonly prefix: number; readonly family: 'ipv4' | 'ipv6' };

export interface CallbackPolicy {
  readonly entries: readonly AllowEntry[];
  readonly allowHttp: boolean;
}

export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

export type UrlVerdict =
  | { readonly ok: true; readonly url: URL; readonly hostname: string }
  | { readonly ok: false; readonly message: string };

export type AddressVerdict =
  | { readonly ok: true; readonly address: ResolvedAddress }
  | { readonly ok: false; readonly message: string };

const hostPattern = /^(\*\.)?([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)*[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Parses the flag's comma-separated entries; throws naming the first bad one. */
export function parseAllowlist(text: string): AllowEntry[] {
  return text.split(',').map((e) => e.trim().toLowerCase()).filter(Boolean).map((entry) => {
    const [address, bits, ...rest] = entry.split('/');
    const family = isIPv4(address ?? '') ? 'ipv4' : isIPv6(address ?? '') ? 'ipv6' : undefined;
    if (family) {
      const max = family === 'ipv4' ? 32 : 128;
      const prefix = bits === undefined ? max : Number(bits);
      if (rest.length || !/^\d+$/.test(bits ?? String(max)) || prefix > max) throw new Error(`--north-callback-allowlist: "${entry}" is not a CIDR (e.g. 10.20.0.0/16)`);
      return { kind: 'Cidr', network: address!, prefix, family };
    }
    if (!hostPattern.test(entry) || entry.length > 253) throw new Error(`--north-callback-allowlist: "${entry}" is neither a CIDR nor a host name or *.suffix pattern`);
    return { kind: 'Host', pattern: entry };
  });
}

/**
 * Addresses that are not on the public internet: reachable only through a CIDR entry. One list
 * per family: a BlockList also matches IPv4 addresses against IPv6 rules through ::ffff:0:0/96.
 */
const special = { ipv4: new BlockList(), ipv6: new BlockList() };
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24],
  ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) special.ipv4.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128], ['::1', 128], ['::ffff:0:0', 96], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['100::', 64], ['2001::', 32], ['2001:db8::', 32],
  ['2002::', 16], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
] as const) special.ipv6.addSubnet(network, prefix, 'ipv6');

/** Whether `address` is a special (non-public) address. */
export function isSpecialAddress(address: ResolvedAddress): boolean {
  return address.family === 4 ? special.ipv4.check(address.address, 'ipv4') : special.ipv6.check(address.address, 'ipv6');
}

/** The URL's own checks: scheme, no credentials, a host. */
export function checkCallbackUrl(uri: string, policy: CallbackPolicy): UrlVerdict {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return { ok: false, message: 'callbackUri is not a URL' };
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp)) {
    return { ok: false, message: `callbackUri must be https${policy.allowHttp ? ' or http' : ''} (the operator does not allow ${url.protocol.replace(':', '')} callbacks)` };
  }
  if (url.username || url.password) return { ok: false, message: 'callbackUri must not carry a user or password: sign notifications with spec.secretRef instead' };
  const hostname = url.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
  if (!hostname) return { ok: false, message: 'callbackUri has no host' };
  if (policy.entries.length === 0) return { ok: false, message: 'no callback is allowed: the operator\'s --north-callback-allowlist is empty (an admin sets the hosts and CIDRs callbacks may reach)' };
  return { ok: true, url, hostname };
}

function named(pattern: string, hostname: string): boolean {
  return pattern.startsWith('*.') ? hostname.endsWith(pattern.slice(1)) : hostname === pattern;
}

/** An IPv4 address written as IPv6 (::ffff:a.b.c.d) is judged as the IPv4 address. */
function unmapped(address: ResolvedAddress): ResolvedAddress {
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address.address)?.[1];
  return v4 ? { address: v4, family: 4 } : address;
}

/** The first usable address among those `hostname` resolved to, or why none is. */
export function chooseAddress(hostname: string, resolved: readonly ResolvedAddress[], policy: CallbackPolicy): AddressVerdict {
  const cidrs = new BlockList();
  for (const e of policy.entries) if (e.kind === 'Cidr') cidrs.addSubnet(e.network, e.prefix, e.family);
  const literal = isIPv4(hostname) || isIPv6(hostname);
  const byName = !literal && policy.entries.some((e) => e.kind === 'Host' && named(e.pattern, hostname));
  const usable = (a: ResolvedAddress) => cidrs.check(a.address, a.family === 4 ? 'ipv4' : 'ipv6') || (byName && !isSpecialAddress(a));
  const addresses = resolved.map(unmapped);
  const chosen = addresses.find(usable);
  if (chosen) return { ok: true, address: chosen };
  if (addresses.length === 0) return { ok: false, message: `callback host ${hostname} has no address` };
  const list = addresses.map((a) => a.address).slice(0, 4).join(', ');
  const why = byName ? 'the allowlist names the host, but only public addresses are reached by name; an admin may allow these addresses by CIDR'
    : 'neither the host nor these addresses are in the operator\'s --north-callback-allowlist';
  return { ok: false, message: `callback host ${hostname} resolves to ${list}: ${why}` };
}
