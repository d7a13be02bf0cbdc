/**
 * The MEP part of a grant: which traffic actions, where traffic may be delivered, which names
 * DNS rules may answer for and with which addresses. Judged before anything reaches the MEP;
 * each problem names the rule, the field and the grant it lacks.
 */
import { BlockList, isIP } from 'node:net';
import type { DnsRule, TrafficRule } from '../api/rules.js';
import type { TenantMep } from '../api/tenant.js';

export interface RuleSet {
  readonly appTrafficRule?: readonly TrafficRule[];
  readonly appDNSRule?: readonly DnsRule[];
}

/** Why `rules` exceed the grant, one line each; empty when they are within it. */
export function ruleGrantProblems(tenant: string, mep: TenantMep | undefined, rules: RuleSet): string[] {
  const problems: string[] = [];
  const actions = new Set(mep?.trafficActions ?? []);
  const delivery = blockListOf(mep?.deliveryCidrs ?? []);
  const macs = new Set((mep?.deliveryMacAddresses ?? []).map(normalMac));
  const answers = blockListOf(mep?.dnsAnswerCidrs ?? []);
  const suffixes = (mep?.dnsSuffixes ?? []).map((s) => s.toLowerCase());

  for (const rule of rules.appTrafficRule ?? []) {
    const at = `traffic rule ${rule.trafficRuleId}`;
    if (!actions.has(rule.action)) problems.push(`${at}: action ${rule.action} is not in Tenant ${tenant}'s spec.mep.trafficActions`);
    for (const [i, dst] of (rule.dstInterface ?? []).entries()) {
      const where = `${at} dstInterface[${i}]`;
      const addresses = [
        ['dstIpAddress', dst.dstIpAddress], ['tunnelDstAddress', dst.tunnelInfo?.tunnelDstAddress], ['tunnelSrcAddress', dst.tunnelInfo?.tunnelSrcAddress],
      ] as const;
      for (const [field, address] of addresses) {
        if (address !== undefined && !contains(delivery, address)) {
          problems.push(`${where}: ${field} ${address} is outside Tenant ${tenant}'s spec.mep.deliveryCidrs`);
        }
      }
      if (dst.dstMacAddress !== undefined && !macs.has(normalMac(dst.dstMacAddress))) {
        problems.push(`${where}: dstMacAddress ${dst.dstMacAddress} is not in Tenant ${tenant}'s spec.mep.deliveryMacAddresses`);
      }
    }
  }
  for (const rule of rules.appDNSRule ?? []) {
    const at = `DNS rule ${rule.dnsRuleId}`;
    const name = rule.domainName.toLowerCase().replace(/\.$/, '');
    if (!suffixes.some((s) => name === s || name.endsWith(`.${s}`))) {
      problems.push(`${at}: ${rule.domainName} is not under Tenant ${tenant}'s spec.mep.dnsSuffixes`);
    }
    if (!contains(answers, rule.ipAddress)) problems.push(`${at}: answer ${rule.ipAddress} is outside Tenant ${tenant}'s spec.mep.dnsAnswerCidrs`);
  }
  return problems;
}

function blockListOf(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address = '', prefix = ''] = cidr.split('/');
    const family = isIP(address);
    if (family) list.addSubnet(address, Number(prefix), family === 4 ? 'ipv4' : 'ipv6');
  }
  return list;
}

function contains(list: BlockList, address: string): boolean {
  const family = isIP(address);
  return family !== 0 && list.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

function normalMac(mac: string): string {
  return mac.toLowerCase().replaceAll('-', ':');
}
