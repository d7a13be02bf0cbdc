/**
 * Generated APPD rule configurations — what an APPD's `tosca.nodes.nfv.app.configuration`
 * properties hold, from well-formed to hostile — and the properties normaliseRules must keep on
 * every one. Shared by the CI fuzz tests and bench/fuzz.ts.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Value } from 'typebox/value';
import { AppRuleSpec } from '../../../src/api/apprule.js';
import { MAX_DNS_RULES, MAX_TRAFFIC_RULES } from '../../../src/api/rules.js';
import { judgeRules, normaliseRules } from '../../../src/csar/index.js';

type Raw = Record<string, unknown>;

/** Scalars from the interesting pools, the way YAML (failsafe: strings) or JSON (numbers) hands them over. */
function scalarOf(pool: readonly (string | number)[]): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...pool) },
    { weight: 1, arbitrary: fc.constantFrom('', '~', 'null', null, true, -1, 1e300, 'NaN') },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
  );
}

const ADDRESSES = ['192.0.2.1', '192.0.2.0/24', '0.0.0.0/0', '2001:db8::1', '2001:db8::/32', '10.0.0.0/33', '::ffff:192.0.2.1', 'fe80::1%eth0',
  '256.1.1.1', '01.2.3.4', 'not-an-ip', '192.0.2.1/', '1.2.3.4/08', ' 192.0.2.7 ', '::', '::/0'] as const;
const PORTS = ['80', 8080, '0', 65535, '65536', '80-90', '-1', '0080', 'http', ''] as const;
const PROTOCOLS = ['TCP', 'UDP', 'ANY', 'SCTP', 'tcp', 'GTP-U', '6', '17', 'TCP; rm -rf', 'a'.repeat(17), 'ICMP_V6', '-x'] as const;
const ACTIONS = ['DROP', 'FORWARD_AS_IS', 'forward_decapsulated', 'PASSTHROUGH', 'DUPLICATE_AS_IS', 'Duplicate_Decapsulated', 'REDIRECT', 'drop '] as const;
const IDS = ['r1', 'r2', 'rule-1', 'trafficRule1', 'd1', 7, 'rule one', '-bad', 'x'.repeat(64), 'a.b_c'] as const;
const MACS = ['02:00:00:00:00:01', '02-00-00-00-00-01', '02:00:00:00:00', 'zz:00:00:00:00:00'] as const;
const DOMAINS = ['app.mec.example', 'a.b', 'bad_domain!', 'x'.repeat(64) + '.example', 'trailing.dot.', '-lead.example'] as const;

/** A list field as APPDs write it: a short list, one near or past the limit `max`, a single value, or something else entirely. */
function listOf(item: fc.Arbitrary<unknown>, max: number): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 12, arbitrary: fc.array(item, { maxLength: 3 }) },
    { weight: 1, arbitrary: fc.array(item, { minLength: max - 2, maxLength: max }) },
    { weight: 4, arbitrary: item },
    { weight: 1, arbitrary: fc.anything({ maxDepth: 1, maxKeys: 3 }) },
  );
}

/** An object whose keys are written in a random case (`priority`, `PRIORITY`, `Priority`), as the MEP's decoder allows. */
function recased(model: Record<string, fc.Arbitrary<unknown>>, extra: fc.Arbitrary<Raw> = fc.constant({})): fc.Arbitrary<Raw> {
  const keys = Object.keys(model);
  return fc.tuple(fc.record(model, { requiredKeys: [] }), fc.array(fc.constantFrom('as-is', 'lower', 'upper'), { minLength: keys.length, maxLength: keys.length }), extra)
    .map(([record, cases, more]) => {
      const out: Raw = { ...more };
      Object.entries(record).forEach(([key, value]) => {
        const style = cases[keys.indexOf(key)];
        out[style === 'lower' ? key.toLowerCase() : style === 'upper' ? key.toUpperCase() : key] = value;
      });
      return out;
    });
}

const unknownKeys = fc.dictionary(fc.constantFrom('dstAdress', 'color', '__proto__', 'constructor', 'qos', 'srcaddress '), fc.anything({ maxDepth: 0 }), { maxKeys: 2 });

const filterArb = fc.oneof(
  { weight: 8, arbitrary: recased({
    srcAddress: listOf(scalarOf(ADDRESSES), 18), dstAddress: listOf(scalarOf(ADDRESSES), 18),
    srcPort: listOf(scalarOf(PORTS), 18), dstPort: listOf(scalarOf(PORTS), 18),
    protocol: listOf(scalarOf(PROTOCOLS), 9), tag: listOf(scalarOf(['1234', 5, 'x'.repeat(64)]), 9),
    srcTunnelAddress: listOf(scalarOf(ADDRESSES), 9), tgtTunnelAddress: listOf(scalarOf(ADDRESSES), 9),
    srcTunnelPort: listOf(scalarOf(PORTS), 9), dstTunnelPort: listOf(scalarOf(PORTS), 9),
    qCI: scalarOf([1, '5', 0, 256]), dSCP: scalarOf([0, '63', 64]), tC: scalarOf([0, 255, '256']),
  }, fc.oneof({ weight: 5, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: unknownKeys })) },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 1, maxKeys: 3 }) },
);

const interfaceArb = fc.oneof(
  { weight: 8, arbitrary: recased({
    interfaceType: scalarOf(['IP', 'MAC', 'TUNNEL', 'tunnel', 'WIFI']),
    tunnelInfo: fc.oneof(recased({
      tunnelType: scalarOf(['GTP_U', 'GTP-U', 'gtpu', 'GRE', 'VXLAN']),
      tunnelDstAddress: scalarOf(ADDRESSES), tunnelSrcAddress: scalarOf(ADDRESSES),
      tunnelSpecificData: scalarOf(['', 'data', 'x'.repeat(1025)]),
    }), fc.anything({ maxDepth: 0 })),
    srcMacAddress: scalarOf(MACS), dstMacAddress: scalarOf(MACS), dstIpAddress: scalarOf(ADDRESSES),
  }) },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 1, maxKeys: 3 }) },
);

/** One traffic rule, mostly shaped like one. */
export const trafficRuleArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 10, arbitrary: recased({
    trafficRuleId: scalarOf(IDS), filterType: scalarOf(['FLOW', 'packet', 'STREAM']), priority: scalarOf([1, '5', 255, 0, 256, '1.5']),
    trafficFilter: listOf(filterArb, 9), action: scalarOf(ACTIONS), dstInterface: listOf(interfaceArb, 3), state: scalarOf(['ACTIVE', 'inactive', 'ON']),
  }, fc.oneof({ weight: 5, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: unknownKeys })) },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 2, maxKeys: 3 }) },
);

/** One DNS rule, mostly shaped like one. */
export const dnsRuleArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 10, arbitrary: recased({
    dnsRuleId: scalarOf(IDS), domainName: scalarOf(DOMAINS), ipAddressType: scalarOf(['IP_V4', 'IPv6', 'ipv4', 'IP_V5']),
    ipAddress: scalarOf(ADDRESSES), ttl: scalarOf([0, '30', 2147483648, 'forever']), state: scalarOf(['ACTIVE', 'INACTIVE', 'x']),
  }) },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 2, maxKeys: 3 }) },
);

/** A rule list as an APPD may write it, and how many rules it declares (what the normaliser must account for). */
function ruleList(rule: fc.Arbitrary<unknown>, max: number): fc.Arbitrary<{ value: unknown; declared: number } | undefined> {
  return fc.oneof(
    { weight: 12, arbitrary: fc.array(rule, { maxLength: 4 }).map((value) => ({ value, declared: value.length })) },
    { weight: 1, arbitrary: fc.array(rule, { minLength: max - 1, maxLength: max + 2 }).map((value) => ({ value, declared: value.length })) },
    { weight: 2, arbitrary: rule.filter((value) => !Array.isArray(value) && !isAbsent(value)).map((value) => ({ value, declared: 1 })) },
    { weight: 2, arbitrary: fc.constantFrom('', '~', 'null', null).map((value) => ({ value, declared: 0 })) },
    { weight: 2, arbitrary: fc.constant(undefined) },
  );
}

function isAbsent(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && ['', '~', 'null', 'Null', 'NULL'].includes(value.trim()));
}

/** An app configuration with a traffic and a DNS rule list under one of their spellings. */
export interface RuleCase {
  config: Raw;
  declaredTraffic: number;
  declaredDns: number;
}

export const ruleCaseArb: fc.Arbitrary<RuleCase> = fc.record({
  traffic: ruleList(trafficRuleArb, MAX_TRAFFIC_RULES),
  dns: ruleList(dnsRuleArb, MAX_DNS_RULES),
  trafficKey: fc.constantFrom('appTrafficRule', 'appTrafficRules', 'APPTRAFFICRULE', 'apptrafficrule'),
  dnsKey: fc.constantFrom('appDNSRule', 'appDnsRule', 'appDNSRules', 'appdnsrule'),
  other: fc.dictionary(fc.constantFrom('appName', 'appSupportMp1', 'appServiceRequired', '__proto__'), fc.anything({ maxDepth: 0 }), { maxKeys: 2 }),
}).map(({ traffic, dns, trafficKey, dnsKey, other }) => {
  const config: Raw = {};
  for (const [key, value] of Object.entries(other)) Object.defineProperty(config, key, { value, enumerable: true, writable: true, configurable: true });
  if (traffic !== undefined) config[trafficKey] = traffic.value;
  if (dns !== undefined) config[dnsKey] = dns.value;
  return { config, declaredTraffic: traffic?.declared ?? 0, declaredDns: dns?.declared ?? 0 };
});

/**
 * What must hold for every configuration: no exception; every rule declared is either mapped or
 * a problem naming it; the mapped rules are what an AppRule spec accepts, with unique ids; and
 * the mapped form is a fixed point (normalising it again changes nothing, drops nothing).
 */
export function checkRules({ config, declaredTraffic, declaredDns }: RuleCase): void {
  const result = normaliseRules(config);
  const problems = (kind: 'traffic' | 'dns') => result.problems.filter((problem) => problem.kind === kind);
  assert.equal(result.trafficRules.length + problems('traffic').length, declaredTraffic, 'traffic rules declared = mapped + problems');
  assert.equal(result.dnsRules.length + problems('dns').length, declaredDns, 'DNS rules declared = mapped + problems');
  for (const problem of result.problems) {
    assert.ok(problem.ruleId !== '' && problem.problem !== '' && problem.problem.length < 1000, JSON.stringify(problem).slice(0, 300));
    assert.ok(problem.index >= 0 && problem.index < (problem.kind === 'traffic' ? declaredTraffic : declaredDns));
  }
  assert.equal(new Set(result.trafficRules.map((rule) => rule.trafficRuleId)).size, result.trafficRules.length, 'unique traffic rule ids');
  assert.equal(new Set(result.dnsRules.map((rule) => rule.dnsRuleId)).size, result.dnsRules.length, 'unique DNS rule ids');
  const spec = { hostRef: { name: 'edge' }, appInstanceId: 'i-1', appName: 'app', appTrafficRule: result.trafficRules, appDNSRule: result.dnsRules, appSupportMp1: true };
  assert.ok(Value.Check(AppRuleSpec, spec), JSON.stringify([...Value.Errors(AppRuleSpec, spec)].slice(0, 2)));
  const verdict = judgeRules({ trafficRules: result.trafficRules, dnsRules: result.dnsRules, ruleProblems: result.problems });
  assert.equal(verdict.valid, result.problems.length === 0);
  const again = normaliseRules({ appTrafficRule: result.trafficRules, appDNSRule: result.dnsRules });
  assert.deepEqual([again.trafficRules, again.dnsRules, again.problems], [result.trafficRules, result.dnsRules, []], 'the normalised form is a fixed point');
}
