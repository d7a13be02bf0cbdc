/**
 * rulePermission as a table: the Tenant governing an AppRule's namespace must grant its host
 * and every rule of its spec (the MEP grant), each refusal naming what is missing; and which
 * AppRules may have put something at the MEP (spokeToMep).
 */
import assert from 'node:assert/strict';
import { rulePermission, spokeToMep } from '../../../src/controllers/apprule/permission.js';
import type { Governance } from '../../../src/tenancy/governance.js';
import { dnsRule, trafficRule } from '../../fixtures/mep.js';
import { testTenant, wideMepGrant } from '../../fixtures/tenant.js';
import { appRule, edgeHost } from './builders.js';

const governed = (spec: Parameters<typeof testTenant>[1]): Governance => ({ kind: 'Governed', tenant: testTenant('apps', spec, 'team-a'), others: [] });
const host = { ...edgeHost(undefined), metadata: { name: 'edge-1', labels: { pool: 'shared' } } };
const narrowMep = { trafficActions: ['PASSTHROUGH' as const], deliveryCidrs: ['10.0.0.0/8'], dnsSuffixes: ['team-a.example'], dnsAnswerCidrs: ['10.0.0.0/8'] };

describe('AppRule rulePermission', () => {
  const rule = appRule();
  const cases: Array<[string, Governance, RegExp | undefined]> = [
    ['allows everything when tenancy is not enforced', { kind: 'Unenforced' }, undefined],
    ['allows a granted host and rules within the MEP grant', governed({ hosts: { names: ['edge-1'] }, mep: wideMepGrant }), undefined],
    ['allows a host granted by its labels', governed({ hosts: { selector: { matchLabels: { pool: 'shared' } } }, mep: wideMepGrant }), undefined],
    ['refuses a namespace no Tenant governs', { kind: 'Ungoverned', namespace: 'apps' }, /^namespace apps is governed by no Tenant/],
    ['refuses a namespace two Tenants list', { kind: 'Contested', namespace: 'apps', tenants: ['a', 'b'] }, /listed by Tenants a and b/],
    ['refuses a host the Tenant does not grant, before judging the rules', governed({ hosts: { names: ['edge-2'] }, mep: narrowMep }), /^Tenant team-a does not grant EdgeHost edge-1/],
    ['refuses rules beyond the MEP grant, naming the rule, the field and the grant', governed({ hosts: { names: ['edge-1'] }, mep: narrowMep }),
      /^the rules exceed Tenant team-a's MEP grant: traffic rule tr-1: action FORWARD_DECAPSULATED is not in Tenant team-a's spec.mep.trafficActions; .*DNS rule dns-1: web.mec.example is not under Tenant team-a's spec.mep.dnsSuffixes.*an admin must widen the Tenant's spec.mep, or change the rules$/],
    ['refuses every rule when the Tenant grants no MEP rules', governed({ hosts: { names: ['edge-1'] }, mep: undefined }), /^the rules exceed Tenant team-a's MEP grant: traffic rule tr-1: action/],
  ];
  for (const [name, g, refusal] of cases) {
    it(name, () => {
      const verdict = rulePermission(g, rule, host);
      assert.equal(verdict.ok, refusal === undefined);
      if (refusal && !verdict.ok) assert.match(verdict.message, refusal);
    });
  }

  it('allows an AppRule with only appSupportMp1 under a Tenant that grants no MEP rules', () => {
    const mp1 = appRule({ spec: { appSupportMp1: true, appTrafficRule: [], appDNSRule: [] } });
    assert.equal(rulePermission(governed({ hosts: { names: ['edge-1'] }, mep: undefined }), mp1, host).ok, true);
  });

  it('judges a host that does not exist by name only (no labels)', () => {
    assert.equal(rulePermission(governed({ hosts: { selector: { matchLabels: { pool: 'shared' } } }, mep: wideMepGrant }), rule, undefined).ok, false);
    assert.equal(rulePermission(governed({ hosts: { names: ['edge-1'] }, mep: wideMepGrant }), rule, undefined).ok, true);
  });

  it('names five problems and counts the rest', () => {
    const many = appRule({ spec: { appTrafficRule: [], appDNSRule: Array.from({ length: 7 }, (_, i) => dnsRule(`d${i}`, `n${i}.other.example`, { ipAddress: '10.1.1.1' })) } });
    const verdict = rulePermission(governed({ hosts: { names: ['edge-1'] }, mep: narrowMep }), many, host);
    assert.ok(!verdict.ok);
    assert.equal(verdict.message.match(/DNS rule d\d/g)?.length, 5);
    assert.match(verdict.message, /; and 2 more; an admin must widen/);
  });

  it('refuses a delivery address outside the grant on a rule otherwise allowed', () => {
    const outside = appRule({ spec: { appDNSRule: [], appTrafficRule: [trafficRule('tr-9', { action: 'PASSTHROUGH', dstInterface: [{ interfaceType: 'IP', dstIpAddress: '192.0.2.1' }] })] } });
    const verdict = rulePermission(governed({ hosts: { names: ['edge-1'] }, mep: narrowMep }), outside, host);
    assert.deepEqual(verdict, { ok: false, message: 'the rules exceed Tenant team-a\'s MEP grant: traffic rule tr-9 dstInterface[0]: dstIpAddress 192.0.2.1 is outside Tenant team-a\'s spec.mep.deliveryCidrs; an admin must widen the Tenant\'s spec.mep, or change the rules' });
  });
});

describe('AppRule spokeToMep', () => {
  const cases: Array<[string, Parameters<typeof appRule>[0], boolean]> = [
    ['a new AppRule has not', {}, false],
    ['one refused before it sent anything has not', { status: { conditions: [] } }, false],
    ['one that sent a change has (its task)', { status: { taskId: 't-1', configResult: 'PROCESSING' } }, true],
    ['one the MEP held the spec for has', { status: { appliedDigest: 'sha256:0' } }, true],
  ];
  for (const [name, options, expected] of cases) {
    it(name, () => assert.equal(spokeToMep(appRule(options)), expected));
  }
});
