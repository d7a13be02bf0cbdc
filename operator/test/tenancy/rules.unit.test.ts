/**
 * The MEP part of a grant: each traffic and DNS rule against the Tenant's spec.mep, one problem
 * per field that exceeds it, named so the tenant knows what to change or ask for.
 */
import assert from 'node:assert/strict';
import type { DnsRule, TrafficRule } from '../../src/api/rules.js';
import type { TenantMep } from '../../src/api/tenant.js';
import { ruleGrantProblems } from '../../src/tenancy/rules.js';

const grant: TenantMep = {
  trafficActions: ['FORWARD_DECAPSULATED', 'PASSTHROUGH', 'DROP'],
  deliveryCidrs: ['10.20.0.0/16', '2001:db8:20::/48', '192.0.2.7/32'],
  deliveryMacAddresses: ['02:00:00:00:00:AA'],
  dnsSuffixes: ['example.com', 'team-a.mec.example'],
  dnsAnswerCidrs: ['10.20.0.0/16', '2001:db8:20::/48'],
};

type Interface = NonNullable<TrafficRule['dstInterface']>[number];

function traffic(action: TrafficRule['action'], ...dstInterface: Interface[]): TrafficRule {
  return {
    trafficRuleId: 'r1', filterType: 'FLOW', priority: 1, trafficFilter: [{ dstAddress: ['172.30.2.0/28'] }], action,
    ...(dstInterface.length ? { dstInterface } : {}),
  };
}

function dns(domainName: string, ipAddress: string): DnsRule {
  return { dnsRuleId: 'd1', domainName, ipAddressType: ipAddress.includes(':') ? 'IP_V6' : 'IP_V4', ipAddress };
}

const ip = (dstIpAddress: string): Interface => ({ interfaceType: 'IP', dstIpAddress });
const tunnel = (tunnelDstAddress: string, tunnelSrcAddress: string): Interface => ({ interfaceType: 'TUNNEL', tunnelInfo: { tunnelType: 'GTP_U', tunnelDstAddress, tunnelSrcAddress } });
const mac = (dstMacAddress: string): Interface => ({ interfaceType: 'MAC', dstMacAddress });

describe('tenancy ruleGrantProblems', () => {
  const within: Array<[string, TrafficRule | DnsRule]> = [
    ['a granted action without delivery (DROP)', traffic('DROP')],
    ['delivery to an IPv4 address inside a granted CIDR', traffic('FORWARD_DECAPSULATED', ip('10.20.3.4'))],
    ['delivery to an IPv6 address inside a granted CIDR', traffic('FORWARD_DECAPSULATED', ip('2001:db8:20:1::9'))],
    ['delivery to a granted single address (/32)', traffic('FORWARD_DECAPSULATED', ip('192.0.2.7'))],
    ['both tunnel endpoints inside granted CIDRs, across families', traffic('FORWARD_DECAPSULATED', tunnel('10.20.0.1', '2001:db8:20::1'))],
    ['a listed MAC, whatever its case and separators', traffic('FORWARD_DECAPSULATED', mac('02-00-00-00-00-aa'))],
    ['a DNS name equal to a suffix', dns('example.com', '10.20.0.5')],
    ['a DNS name below a suffix, upper-case, fully qualified', dns('Shop.Example.COM.', '10.20.0.5')],
    ['a DNS answer inside an IPv6 answer CIDR', dns('api.team-a.mec.example', '2001:db8:20::53')],
  ];
  for (const [what, rule] of within) {
    it(`finds nothing wrong with ${what}`, () => {
      const rules = 'dnsRuleId' in rule ? { appDNSRule: [rule] } : { appTrafficRule: [rule] };
      assert.deepEqual(ruleGrantProblems('team-a', grant, rules), []);
    });
  }

  const beyond: Array<[string, TrafficRule | DnsRule, string[]]> = [
    ['an action not granted', traffic('DUPLICATE_AS_IS', ip('10.20.0.1')),
      ["traffic rule r1: action DUPLICATE_AS_IS is not in Tenant team-a's spec.mep.trafficActions"]],
    ['delivery to an IPv4 address outside every CIDR', traffic('FORWARD_DECAPSULATED', ip('10.21.0.1')),
      ["traffic rule r1 dstInterface[0]: dstIpAddress 10.21.0.1 is outside Tenant team-a's spec.mep.deliveryCidrs"]],
    ['delivery next to a /32', traffic('FORWARD_DECAPSULATED', ip('192.0.2.8')),
      ["traffic rule r1 dstInterface[0]: dstIpAddress 192.0.2.8 is outside Tenant team-a's spec.mep.deliveryCidrs"]],
    ['delivery to an IPv6 address outside every CIDR', traffic('FORWARD_DECAPSULATED', ip('2001:db8:21::1')),
      ["traffic rule r1 dstInterface[0]: dstIpAddress 2001:db8:21::1 is outside Tenant team-a's spec.mep.deliveryCidrs"]],
    ['tunnel endpoints outside, each named', traffic('FORWARD_DECAPSULATED', ip('10.20.0.1'), tunnel('198.51.100.1', '2001:db8:99::1')), [
      "traffic rule r1 dstInterface[1]: tunnelDstAddress 198.51.100.1 is outside Tenant team-a's spec.mep.deliveryCidrs",
      "traffic rule r1 dstInterface[1]: tunnelSrcAddress 2001:db8:99::1 is outside Tenant team-a's spec.mep.deliveryCidrs",
    ]],
    ['a MAC not listed', traffic('FORWARD_DECAPSULATED', mac('02:00:00:00:00:AB')),
      ["traffic rule r1 dstInterface[0]: dstMacAddress 02:00:00:00:00:AB is not in Tenant team-a's spec.mep.deliveryMacAddresses"]],
    ['a name that only ends like a suffix (evil-example.com)', dns('evil-example.com', '10.20.0.5'),
      ["DNS rule d1: evil-example.com is not under Tenant team-a's spec.mep.dnsSuffixes"]],
    ['a name above a suffix', dns('mec.example', '10.20.0.5'),
      ["DNS rule d1: mec.example is not under Tenant team-a's spec.mep.dnsSuffixes"]],
    ['an answer outside the answer CIDRs', dns('shop.example.com', '192.0.2.7'),
      ["DNS rule d1: answer 192.0.2.7 is outside Tenant team-a's spec.mep.dnsAnswerCidrs"]],
  ];
  for (const [what, rule, problems] of beyond) {
    it(`names ${what}`, () => {
      const rules = 'dnsRuleId' in rule ? { appDNSRule: [rule] } : { appTrafficRule: [rule] };
      assert.deepEqual(ruleGrantProblems('team-a', grant, rules), problems);
    });
  }

  it('takes a CIDR written with host bits as its network', () => {
    const loose: TenantMep = { trafficActions: ['FORWARD_AS_IS'], deliveryCidrs: ['10.20.7.9/16'] };
    assert.deepEqual(ruleGrantProblems('team-a', loose, { appTrafficRule: [traffic('FORWARD_AS_IS', ip('10.20.200.1'))] }), []);
    assert.equal(ruleGrantProblems('team-a', loose, { appTrafficRule: [traffic('FORWARD_AS_IS', ip('10.21.0.1'))] }).length, 1);
  });

  it('grants nothing without spec.mep: every rule is refused, Mp1 alone passes', () => {
    const problems = ruleGrantProblems('team-a', undefined, { appTrafficRule: [traffic('DROP')], appDNSRule: [dns('example.com', '10.20.0.5')] });
    assert.deepEqual(problems, [
      "traffic rule r1: action DROP is not in Tenant team-a's spec.mep.trafficActions",
      "DNS rule d1: example.com is not under Tenant team-a's spec.mep.dnsSuffixes",
      "DNS rule d1: answer 10.20.0.5 is outside Tenant team-a's spec.mep.dnsAnswerCidrs",
    ]);
    assert.deepEqual(ruleGrantProblems('team-a', undefined, {}), []);
  });
});
