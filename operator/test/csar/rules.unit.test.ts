/** normaliseRules: APPD rules as written in the wild → the AppRule CRD shape, with warnings for what cannot be mapped. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { Value } from 'typebox/value';
import { AppRuleSpec } from '../../src/api/apprule.js';
import type { TrafficRule } from '../../src/api/rules.js';
import { CsarError, normaliseRules, type NormalisedRules } from '../../src/csar/index.js';
import { resolveLimits } from '../../src/csar/limits.js';
import { InflateBudget } from '../../src/csar/meter.js';
import { ZipArchive } from '../../src/csar/zip.js';
import { edgegalleryPackage } from '../support/testdata.js';

const POSIU = edgegalleryPackage('test-posiu-apprules.csar');

type Raw = Record<string, unknown>;

/** The APPD YAML of the real test-posiu package, read straight out of its nested zip. */
async function posiuAppdText(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'csar-rules-'));
  const limits = resolveLimits();
  const budget = new InflateBudget(limits.maxTotalUncompressedBytes);
  const outer = await ZipArchive.open(POSIU, { label: '', depth: 0, limits, budget });
  try {
    const { file } = await outer.extract('APPD/MainServiceTemplate.zip', dir, 'appd.zip');
    const inner = await ZipArchive.open(file, { label: 'appd', depth: 1, limits, budget });
    try {
      const bytes = await inner.read('Definition/MainServiceTemplate.yaml', { maxBytes: 1e6, tooLarge: () => new CsarError('YamlTooLarge', 'too large') });
      return bytes.toString('utf8');
    } finally {
      inner.close();
    }
  } finally {
    outer.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function appConfiguration(doc: unknown): Raw {
  const nodes = ((doc as Raw)['topology_template'] as Raw)['node_templates'] as Raw;
  return (nodes['app_configuration'] as Raw)['properties'] as Raw;
}

/** The rules must be what an AppRule spec accepts. */
function assertValidSpec(rules: NormalisedRules): void {
  const spec = { hostRef: { name: 'edge' }, appInstanceId: 'i-1', appName: 'app', appTrafficRule: rules.trafficRules, appDNSRule: rules.dnsRules, appSupportMp1: true };
  assert.ok(Value.Check(AppRuleSpec, spec), JSON.stringify([...Value.Errors(AppRuleSpec, spec)].slice(0, 3)));
}

const POSIU_TRAFFIC_RULE: TrafficRule = {
  trafficRuleId: 'trafficRule1',
  filterType: 'FLOW',
  priority: 1,
  trafficFilter: [{
    srcAddress: ['0.0.0.0/0'], dstAddress: ['172.30.2.0/28'], srcPort: ['8080'], dstPort: ['8080'], protocol: ['ANY'], tag: ['1234'],
    srcTunnelAddress: ['10.10.10.10'], tgtTunnelAddress: ['10.10.10.10'], srcTunnelPort: ['8080'], dstTunnelPort: ['8080'],
    qCI: 1, dSCP: 0, tC: 1,
  }],
  action: 'PASSTHROUGH',
  dstInterface: [{
    interfaceType: 'TUNNEL',
    tunnelInfo: { tunnelType: 'GTP_U', tunnelDstAddress: '10.10.10.10', tunnelSrcAddress: '11.11.11.11' },
    srcMacAddress: '02-00-00-00-00-00', dstMacAddress: '02-00-00-00-00-00', dstIpAddress: '192.0.2.0',
  }],
};

describe('csar: normaliseRules', function () {
  describe('the real test-posiu package', function () {
    let text: string;
    before(async function () {
      text = await posiuAppdText();
    });

    for (const [schema, label] of [[yaml.DEFAULT_SCHEMA, 'numbers as YAML numbers'], [yaml.FAILSAFE_SCHEMA, 'every scalar a string']] as const) {
      it(`maps its traffic and DNS rule (${label})`, function () {
        const raw = appConfiguration(yaml.load(text, { schema }));
        // What the package holds differs from the CRD: dstInterface is one object, not a list.
        assert.ok(!Array.isArray((raw['appTrafficRule'] as Raw[])[0]?.['dstInterface']));
        const rules = normaliseRules(raw);
        assert.deepEqual(rules.trafficRules, [POSIU_TRAFFIC_RULE]);
        assert.deepEqual(rules.dnsRules, [{ dnsRuleId: 'dnsRule1', domainName: 'positioningservice.org', ipAddressType: 'IP_V4', ipAddress: '172.30.2.17', ttl: 100 }]);
        assert.deepEqual(rules.warnings, []);
        assertValidSpec(rules);
      });
    }
  });

  const base = (): Raw => ({
    trafficRuleId: 'r1', filterType: 'FLOW', priority: 1, action: 'FORWARD_AS_IS',
    trafficFilter: [{ dstAddress: ['192.0.2.0/24'], dstPort: ['80'] }],
    dstInterface: [{ interfaceType: 'IP', dstIpAddress: '192.0.2.10' }],
  });
  const dns = (): Raw => ({ dnsRuleId: 'd1', domainName: 'app.mec.example', ipAddressType: 'IP_V4', ipAddress: '192.0.2.10', ttl: 60 });

  interface Quirk {
    name: string;
    config: Raw;
    traffic?: number;
    dns?: number;
    /** A check of the result beyond counts. */
    check?: (rules: NormalisedRules) => void;
    /** Warnings must match these, in order; none expected when omitted. */
    warnings?: RegExp[];
  }

  const quirks: Quirk[] = [
    { name: 'misspelled appDnsRule is read', config: { appDnsRule: [dns()] }, dns: 1 },
    { name: 'keys in any case (APPTRAFFICRULE, qci, DSCP)', config: { APPTRAFFICRULE: [{ ...base(), trafficFilter: [{ qci: '5', DSCP: 10 }] }] }, traffic: 1,
      check: (r) => assert.deepEqual(r.trafficRules[0]?.trafficFilter, [{ qCI: 5, dSCP: 10 }]) },
    { name: 'dstInterface as one object', config: { appTrafficRule: [{ ...base(), dstInterface: { interfaceType: 'ip', dstIpAddress: '192.0.2.10' } }] }, traffic: 1,
      check: (r) => assert.deepEqual(r.trafficRules[0]?.dstInterface, [{ interfaceType: 'IP', dstIpAddress: '192.0.2.10' }]) },
    { name: 'numbers for ports, tags and ids', config: { appTrafficRule: [{ ...base(), trafficRuleId: 7, trafficFilter: [{ srcPort: [8080, 443], tag: [1234] }] }] }, traffic: 1,
      check: (r) => {
        assert.equal(r.trafficRules[0]?.trafficRuleId, '7');
        assert.deepEqual(r.trafficRules[0]?.trafficFilter, [{ srcPort: ['8080', '443'], tag: ['1234'] }]);
      } },
    { name: 'scalars where lists belong', config: { appTrafficRule: [{ ...base(), trafficFilter: { dstPort: 80, protocol: 'TCP' } }] }, traffic: 1,
      check: (r) => assert.deepEqual(r.trafficRules[0]?.trafficFilter, [{ dstPort: ['80'], protocol: ['TCP'] }]) },
    { name: 'lower-case enums and GTP-U', config: { appTrafficRule: [{ ...base(), filterType: 'packet', action: 'forward_decapsulated', state: 'inactive',
      dstInterface: { interfaceType: 'tunnel', tunnelInfo: { tunnelType: 'GTP-U', tunnelDstAddress: '198.51.100.1' } } }] }, traffic: 1,
    check: (r) => {
      const rule = r.trafficRules[0];
      assert.deepEqual([rule?.filterType, rule?.action, rule?.state], ['PACKET', 'FORWARD_DECAPSULATED', 'INACTIVE']);
      assert.deepEqual(rule?.dstInterface?.[0]?.tunnelInfo, { tunnelType: 'GTP_U', tunnelDstAddress: '198.51.100.1' });
    } },
    { name: 'empty strings mean not set', config: { appTrafficRule: [{ ...base(), trafficFilter: [{ dstPort: ['80'], srcAddress: [''], tag: '' }],
      dstInterface: { interfaceType: 'IP', dstIpAddress: '192.0.2.1', srcMacAddress: '' } }] }, traffic: 1,
    check: (r) => assert.deepEqual(r.trafficRules[0]?.trafficFilter, [{ dstPort: ['80'] }]) },
    { name: 'IPv4 spellings of ipAddressType, and none (inferred from the address)', config: { appDNSRule: [{ ...dns(), ipAddressType: 'IPv4' },
      { ...dns(), dnsRuleId: 'd2', ipAddressType: undefined, ipAddress: '2001:db8::1' }] }, dns: 2,
    check: (r) => assert.deepEqual(r.dnsRules.map((rule) => rule.ipAddressType), ['IP_V4', 'IP_V6']) },
    { name: 'missing filterType is FLOW, with a warning', config: { appTrafficRule: [{ ...base(), filterType: undefined }] }, traffic: 1,
      warnings: [/filterType; FLOW assumed/] },
    { name: 'unknown fields are ignored with a warning', config: { appTrafficRule: [{ ...base(), color: 'blue' }] }, traffic: 1, warnings: [/unknown field "color"/] },
    { name: 'an address that is not an IP drops the rule, never the field', config: { appTrafficRule: [{ ...base(), trafficFilter: [{ dstAddress: ['not-an-ip'] }] }] },
      traffic: 0, warnings: [/appTrafficRule\[0\] "r1": trafficFilter\[0\]\.dstAddress "not-an-ip" is not an IP address or CIDR; rule left out/] },
    { name: 'port ranges are not supported', config: { appTrafficRule: [{ ...base(), trafficFilter: [{ dstPort: ['80-90'] }] }] }, traffic: 0, warnings: [/ranges are not supported/] },
    { name: 'IPv4-mapped IPv6 and zoned addresses are refused like the API server does', config: { appTrafficRule: [
      { ...base(), trafficFilter: [{ srcTunnelAddress: ['::ffff:192.0.2.1'] }] }, { ...base(), trafficRuleId: 'r2', trafficFilter: [{ srcTunnelAddress: ['fe80::1%eth0'] }] }] },
    traffic: 0, warnings: [/not an IP address/, /not an IP address/] },
    { name: 'a forwarding action without dstInterface drops the rule', config: { appTrafficRule: [{ ...base(), dstInterface: undefined }] }, traffic: 0, warnings: [/needs a dstInterface/] },
    { name: 'a TUNNEL interface without tunnelInfo drops a forwarding rule', config: { appTrafficRule: [{ ...base(), dstInterface: { interfaceType: 'TUNNEL' } }] }, traffic: 0,
      warnings: [/TUNNEL without tunnelInfo/] },
    { name: 'a bad dstInterface on PASSTHROUGH is left out, the rule kept', config: { appTrafficRule: [{ ...base(), action: 'PASSTHROUGH', dstInterface: { interfaceType: 'MAC' } }] },
      traffic: 1, warnings: [/dstInterface left out/], check: (r) => assert.equal(r.trafficRules[0]?.dstInterface, undefined) },
    { name: 'priority out of range or missing', config: { appTrafficRule: [{ ...base(), priority: 0 }, { ...base(), trafficRuleId: 'r2', priority: undefined }] }, traffic: 0,
      warnings: [/priority "0" is not a whole number from 1 to 255/, /no priority/] },
    { name: 'an unknown action', config: { appTrafficRule: [{ ...base(), action: 'REDIRECT' }] }, traffic: 0, warnings: [/action "REDIRECT" is not one of/] },
    { name: 'a rule id the CRD refuses', config: { appTrafficRule: [{ ...base(), trafficRuleId: 'rule one' }] }, traffic: 0, warnings: [/trafficRuleId "rule one"/] },
    { name: 'duplicate ids keep the first', config: { appTrafficRule: [base(), { ...base(), priority: 9 }], appDNSRule: [dns(), dns()] }, traffic: 1, dns: 1,
      warnings: [/appTrafficRule\[1\] "r1": id "r1" is used by an earlier rule/, /appDNSRule\[1\] "d1": id "d1"/],
      check: (r) => assert.equal(r.trafficRules[0]?.priority, 1) },
    { name: 'more than 16 traffic rules', config: { appTrafficRule: Array.from({ length: 17 }, (_, i) => ({ ...base(), trafficRuleId: `r${i}` })) }, traffic: 16,
      warnings: [/appTrafficRule\[16\] "r16": more than 16 rules/] },
    { name: 'DNS: family mismatch, bad domain, missing address', config: { appDNSRule: [{ ...dns(), ipAddressType: 'IP_V6' }, { ...dns(), dnsRuleId: 'd2', domainName: 'bad_domain!' },
      { ...dns(), dnsRuleId: 'd3', ipAddress: undefined }] }, dns: 0,
    warnings: [/does not match ipAddress/, /is not a domain name/, /no ipAddress/] },
    { name: 'a DNS ttl that is not a number', config: { appDNSRule: [{ ...dns(), ttl: 'forever' }] }, dns: 0, warnings: [/ttl "forever"/] },
    { name: 'rules that are not mappings', config: { appTrafficRule: ['r1'], appDNSRule: [42] }, warnings: [/the rule is not a mapping/, /the rule is not a mapping/] },
    { name: 'no rules at all', config: { appName: 'x' } },
    { name: 'YAML nulls as the failsafe schema writes them', config: { appTrafficRule: 'null', appDNSRule: '~' } },
  ];

  for (const quirk of quirks) {
    it(quirk.name, function () {
      const rules = normaliseRules(quirk.config);
      assert.equal(rules.trafficRules.length, quirk.traffic ?? 0, rules.warnings.join('\n'));
      assert.equal(rules.dnsRules.length, quirk.dns ?? 0, rules.warnings.join('\n'));
      const expected = quirk.warnings ?? [];
      assert.equal(rules.warnings.length, expected.length, rules.warnings.join('\n'));
      expected.forEach((pattern, index) => assert.match(rules.warnings[index] ?? '', pattern));
      quirk.check?.(rules);
      assertValidSpec(rules);
    });
  }

  it('a configuration that is not a mapping gives no rules and a warning', function () {
    assert.deepEqual(normaliseRules(['a']), { trafficRules: [], dnsRules: [], problems: [], warnings: ['the app configuration is not a mapping; no rules read'] });
    assert.deepEqual(normaliseRules(undefined), { trafficRules: [], dnsRules: [], problems: [], warnings: [] });
  });
});
