/**
 * No rule is dropped silently: every APPD rule that normaliseRules leaves out is a RuleProblem
 * naming the rule and why, openCsar carries them as appd.ruleProblems, judgeRules turns them into
 * the RulesValid verdict, and a Strict policy refuses the package.
 */
import assert from 'node:assert/strict';
import { judgeRules, normaliseRules, openCsar, verifyPackage, type CsarPackage, type VerificationPolicy } from '../../src/csar/index.js';
import { APPD_YAML, chartTgz, sandbox, validFiles, withManifest, zipOf } from './support/packages.js';

type Raw = Record<string, unknown>;

const rule = (overrides: Raw = {}): Raw => ({
  trafficRuleId: 'r1', filterType: 'FLOW', priority: 1, action: 'FORWARD_AS_IS',
  trafficFilter: [{ dstAddress: ['192.0.2.0/24'], dstPort: ['80'], protocol: ['TCP'] }],
  dstInterface: [{ interfaceType: 'IP', dstIpAddress: '192.0.2.10' }],
  ...overrides,
});
const dns = (overrides: Raw = {}): Raw => ({ dnsRuleId: 'd1', domainName: 'app.mec.example', ipAddress: '192.0.2.10', ...overrides });

describe('csar: rule problems', function () {
  interface Case {
    name: string;
    config: Raw;
    /** Expected problems as [kind, index, ruleId, why]. */
    problems: Array<['traffic' | 'dns', number, string, RegExp]>;
  }
  const cases: Case[] = [
    { name: 'an invalid action', config: { appTrafficRule: [rule({ action: 'REDIRECT' })] }, problems: [['traffic', 0, 'r1', /action "REDIRECT" is not one of DROP/]] },
    { name: 'a DROP rule with a bad address (the drop that matters most)', config: { appTrafficRule: [rule({ action: 'DROP', trafficFilter: [{ srcAddress: ['10.0.0.0/33'] }] })] },
      problems: [['traffic', 0, 'r1', /srcAddress "10\.0\.0\.0\/33" is not an IP address or CIDR/]] },
    { name: 'the 17th of 17 traffic rules', config: { appTrafficRule: Array.from({ length: 17 }, (_, i) => rule({ trafficRuleId: `r${i}` })) },
      problems: [['traffic', 16, 'r16', /more than 16 rules/]] },
    { name: 'the 33rd of 33 DNS rules', config: { appDNSRule: Array.from({ length: 33 }, (_, i) => dns({ dnsRuleId: `d${i}`, domainName: `a${i}.example` })) },
      problems: [['dns', 32, 'd32', /more than 32 rules/]] },
    { name: 'a repeated id', config: { appTrafficRule: [rule(), rule({ priority: 2 })] }, problems: [['traffic', 1, 'r1', /used by an earlier rule/]] },
    { name: 'a port range', config: { appTrafficRule: [rule({ trafficFilter: [{ dstPort: ['80-90'] }] })] }, problems: [['traffic', 0, 'r1', /ranges are not supported/]] },
    { name: 'a protocol that is not a token', config: { appTrafficRule: [rule({ trafficFilter: [{ protocol: ['TCP; rm -rf'] }] })] },
      problems: [['traffic', 0, 'r1', /protocol "TCP; rm -rf" is not a protocol keyword or number/]] },
    { name: 'a protocol number past 255, which the AppRule CRD refuses', config: { appTrafficRule: [rule({ trafficFilter: [{ protocol: ['999'] }] })] },
      problems: [['traffic', 0, 'r1', /protocol "999" is not a protocol keyword or number/]] },
    { name: 'a tag holding a path', config: { appTrafficRule: [rule({ trafficFilter: [{ tag: ['../../admin'] }] })] },
      problems: [['traffic', 0, 'r1', /tag "..\/..\/admin" is not a tag/]] },
    { name: 'a misspelt filter field, which would widen the filter', config: { appTrafficRule: [rule({ action: 'DROP', trafficFilter: [{ dstAdress: ['192.0.2.1'] }] })] },
      problems: [['traffic', 0, 'r1', /trafficFilter\[0\] has "dstAdress", not a filter field/]] },
    { name: 'a forwarding action with nowhere to forward', config: { appTrafficRule: [rule({ dstInterface: undefined })] }, problems: [['traffic', 0, 'r1', /needs a dstInterface/]] },
    { name: 'a rule without an id', config: { appTrafficRule: [rule({ trafficRuleId: undefined })] }, problems: [['traffic', 0, 'appTrafficRule[0]', /no trafficRuleId/]] },
    { name: 'a rule that is not a mapping', config: { appTrafficRule: 'r1', appDNSRule: [['d1']] },
      problems: [['traffic', 0, 'appTrafficRule[0]', /not a mapping/], ['dns', 0, 'appDNSRule[0]', /not a mapping/]] },
    { name: 'DNS: a bad domain and a family mismatch', config: { appDNSRule: [dns({ domainName: 'bad_domain!' }), dns({ dnsRuleId: 'd2', ipAddressType: 'IP_V6' })] },
      problems: [['dns', 0, 'd1', /is not a domain name/], ['dns', 1, 'd2', /does not match ipAddress/]] },
    { name: 'a huge value is cut in the problem text', config: { appTrafficRule: [rule({ action: 'X'.repeat(100_000) })] }, problems: [['traffic', 0, 'r1', /^action "X{64}…" is not one of/]] },
  ];

  for (const { name, config, problems } of cases) {
    it(`${name}: a problem naming the rule and why, and mapped + problems = declared`, function () {
      const result = normaliseRules(config);
      assert.deepEqual(result.problems.map((p) => [p.kind, p.index, p.ruleId]), problems.map(([kind, index, id]) => [kind, index, id]));
      problems.forEach(([, , , why], i) => assert.match(result.problems[i]?.problem ?? '', why));
      const declared = (value: unknown) => (value === undefined ? 0 : Array.isArray(value) ? value.length : 1);
      assert.equal(result.trafficRules.length + result.problems.filter((p) => p.kind === 'traffic').length, declared(config['appTrafficRule']));
      assert.equal(result.dnsRules.length + result.problems.filter((p) => p.kind === 'dns').length, declared(config['appDNSRule']));
      for (const problem of result.problems) assert.ok(problem.problem.length < 400, problem.problem.slice(0, 100));
    });
  }

  it('lesser findings stay warnings, not problems: an assumed filterType, an unknown rule field, a dstInterface DROP does not use', function () {
    const result = normaliseRules({ appTrafficRule: [rule({ filterType: undefined, color: 'blue' }), rule({ trafficRuleId: 'r2', action: 'DROP', dstInterface: { interfaceType: 'MAC' } })] });
    assert.deepEqual([result.trafficRules.length, result.problems], [2, []]);
    assert.equal(result.warnings.length, 3, result.warnings.join('\n'));
  });

  describe('judgeRules', function () {
    it('all mapped: RulesValid with the counts', function () {
      const verdict = judgeRules({ trafficRules: normaliseRules({ appTrafficRule: [rule()] }).trafficRules, dnsRules: [], ruleProblems: [] });
      assert.deepEqual(verdict, { valid: true, reason: 'RulesValid', message: 'All 1 rule(s) of the APPD (1 traffic, 0 DNS) were mapped.' });
    });

    it('some left out: RulesInvalid listing each rule and why', function () {
      const rules = normaliseRules({ appTrafficRule: [rule(), rule({ trafficRuleId: 'r2', action: 'REDIRECT' }), 'junk'] });
      const verdict = judgeRules({ trafficRules: rules.trafficRules, dnsRules: rules.dnsRules, ruleProblems: rules.problems });
      assert.ok(!verdict.valid);
      assert.equal(verdict.reason, 'RulesInvalid');
      assert.equal(verdict.problems.length, 2);
      assert.match(verdict.message, /^2 of the APPD's 3 rule\(s\) cannot be applied and were left out: appTrafficRule\[1\] "r2": action "REDIRECT"/);
      assert.match(verdict.message, /; appTrafficRule\[2\]: the rule is not a mapping\. Fix them in the APPD\.$/);
    });

    it('many left out: the first 10, then a count', function () {
      const rules = normaliseRules({ appTrafficRule: Array.from({ length: 14 }, (_, i) => rule({ trafficRuleId: `r${i}`, priority: 0 })) });
      const verdict = judgeRules({ trafficRules: rules.trafficRules, dnsRules: rules.dnsRules, ruleProblems: rules.problems });
      assert.ok(!verdict.valid);
      assert.match(verdict.message, /"r9": priority "0"[^]*; and 4 more\./);
      assert.doesNotMatch(verdict.message, /"r10"/);
    });
  });

  describe('in a package', function () {
    let box: Awaited<ReturnType<typeof sandbox>>;
    let pkg: CsarPackage;

    before(async function () {
      box = await sandbox();
      const files = validFiles(await chartTgz());
      // The demo rule with an action the MEP does not have, plus a second, valid DNS rule kept.
      files['APPD/Definition/MainServiceTemplate.yaml'] = APPD_YAML.replace('action: FORWARD_AS_IS', 'action: REDIRECT');
      pkg = await openCsar(await box.input('bad-rule.csar', zipOf(withManifest(files))), box.scratch);
    });
    after(async () => box.remove());

    it('openCsar carries the problems on the APPD', function () {
      assert.deepEqual(pkg.appd.trafficRules, []);
      assert.equal(pkg.appd.dnsRules.length, 1);
      assert.deepEqual(pkg.appd.ruleProblems.map((p) => [p.kind, p.index, p.ruleId]), [['traffic', 0, 'r1']]);
      assert.ok(pkg.warnings.some((warning) => /"r1": action "REDIRECT".*rule left out/.test(warning)), pkg.warnings.join('\n'));
    });

    const policies: Array<[string, VerificationPolicy, boolean]> = [
      ['manifestHashes Strict refuses', { manifestHashes: 'Strict', signature: 'Skip' }, true],
      ['manifestHashes Warn does not', { manifestHashes: 'Warn', signature: 'Skip' }, false],
      ['rules Warn overrides Strict hashes', { manifestHashes: 'Strict', signature: 'Skip', rules: 'Warn' }, false],
      ['rules Strict refuses whatever the hashes', { manifestHashes: 'Skip', signature: 'Skip', rules: 'Strict' }, true],
    ];
    for (const [name, policy, refused] of policies) {
      it(`verifyPackage: ${name}`, async function () {
        const result = await verifyPackage(pkg, policy);
        if (refused) {
          assert.ok(!result.verified && result.fatal, result.message);
          assert.equal(result.reason, 'RulesInvalid');
          assert.match(result.message, /appTrafficRule\[0\] "r1": action "REDIRECT" is not one of .*\(rules: Strict\)\.$/);
        } else {
          assert.equal(result.verified, true, result.message);
        }
      });
    }
  });
});
