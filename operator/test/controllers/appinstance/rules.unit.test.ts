/** The AppRule an AppInstance owns, as tables: the APPD's rules with the spec's on top, and how the owned AppRule stands. */
import assert from 'node:assert/strict';
import type { AppInstance } from '../../../src/api/appinstance.js';
import type { AppRule, AppRuleSpec } from '../../../src/api/apprule.js';
import type { DnsRule, TrafficRule } from '../../../src/api/rules.js';
import type { RulesObservation } from '../../../src/controllers/appinstance/decide.js';
import {
  desiredRuleSpec, observeRules, ruleSpecDigest, specDigestAnnotation, type AppdRules,
} from '../../../src/controllers/appinstance/rules.js';

const traffic = (id: string, priority = 1): TrafficRule => ({
  trafficRuleId: id, filterType: 'FLOW', priority, action: 'DROP', trafficFilter: [{ srcAddress: ['10.0.0.0/24'] }],
});
const dns = (id: string, ipAddress = '10.0.0.1'): DnsRule => ({ dnsRuleId: id, domainName: `${id}.mec.example`, ipAddressType: 'IP_V4', ipAddress });

function instance(rules?: NonNullable<AppInstance['spec']['rules']>): AppInstance {
  return {
    apiVersion: 'mecm.io/v1alpha1', kind: 'AppInstance', metadata: { name: 'app', namespace: 'team' },
    spec: { packageRef: { name: 'pkg' }, hostRef: { name: 'edge-1' }, namespace: 'app', ...(rules ? { rules } : {}) },
  };
}

describe('AppInstance rules', function () {
  describe('desiredRuleSpec', function () {
    const none: AppdRules = { trafficRules: [], dnsRules: [] };
    const base = { hostRef: { name: 'edge-1' }, appInstanceId: 'id-1', appName: 'app-id1' };
    const cases: Array<[string, AppdRules, AppInstance, AppRuleSpec | undefined]> = [
      ['nothing from the MEP: no AppRule', none, instance(), undefined],
      ['Mp1 alone is enough for an AppRule', { ...none, appSupportMp1: true }, instance(), { ...base, appSupportMp1: true }],
      ['the APPD\'s rules', { trafficRules: [traffic('t1')], dnsRules: [dns('d1')] }, instance(),
        { ...base, appSupportMp1: false, appTrafficRule: [traffic('t1')], appDNSRule: [dns('d1')] }],
      ['the spec adds rules', { trafficRules: [traffic('t1')], dnsRules: [] }, instance({ appTrafficRule: [traffic('t2')], appDNSRule: [dns('d9')] }),
        { ...base, appSupportMp1: false, appTrafficRule: [traffic('t1'), traffic('t2')], appDNSRule: [dns('d9')] }],
      ['a spec rule with the APPD rule\'s id replaces it, in place', { trafficRules: [traffic('t1'), traffic('t2')], dnsRules: [dns('d1')] },
        instance({ appTrafficRule: [traffic('t1', 9)], appDNSRule: [dns('d1', '10.0.0.9')] }),
        { ...base, appSupportMp1: false, appTrafficRule: [traffic('t1', 9), traffic('t2')], appDNSRule: [dns('d1', '10.0.0.9')] }],
      ['spec rules alone, without any in the APPD', none, instance({ appDNSRule: [dns('d1')] }), { ...base, appSupportMp1: false, appDNSRule: [dns('d1')] }],
    ];
    for (const [name, appd, object, expected] of cases) {
      it(name, () => assert.deepEqual(desiredRuleSpec(object, appd, 'id-1', 'app-id1'), expected));
    }
  });

  describe('observeRules', function () {
    const spec: AppRuleSpec = { hostRef: { name: 'edge-1' }, appInstanceId: 'id-1', appName: 'app-id1', appDNSRule: [dns('d1')] };
    const rule = (over: { digest?: string; generation?: number; observed?: number; ready?: { status: 'True' | 'False'; reason: string; message: string } } = {}): AppRule => ({
      apiVersion: 'mecm.io/v1alpha1', kind: 'AppRule',
      metadata: { name: 'app', namespace: 'team', generation: over.generation ?? 1, annotations: { [specDigestAnnotation]: over.digest ?? ruleSpecDigest(spec) } },
      spec: { ...spec, appSupportMp1: false },
      status: {
        observedGeneration: over.observed ?? 1,
        conditions: over.ready ? [{ type: 'Ready', ...over.ready, lastTransitionTime: '2025-01-01T00:00:00Z' }] : [],
      },
    });
    const ready = { status: 'True', reason: 'Applied', message: 'The MEP holds the rules.' } as const;
    const refused = { status: 'False', reason: 'MEPRefused', message: 'duplicate dns entry' } as const;
    const cases: Array<[string, AppRuleSpec | undefined, AppRule | undefined, RulesObservation]> = [
      ['none wanted, none there', undefined, undefined, { kind: 'NotNeeded' }],
      ['none wanted, one there', undefined, rule({ ready }), { kind: 'PresentButUnneeded' }],
      ['wanted, none there', spec, undefined, { kind: 'Missing', spec }],
      ['there, applied from another spec', spec, rule({ digest: 'sha256:old', ready }), { kind: 'Outdated', spec }],
      ['there and held by the MEP (defaults added by the API server do not matter)', spec, rule({ ready }), { kind: 'Ready' }],
      ['there, not yet looked at by its controller', spec, rule(), { kind: 'NotReady', reason: undefined, message: undefined }],
      ['there, refused by the MEP', spec, rule({ ready: refused }), { kind: 'NotReady', reason: 'MEPRefused', message: 'duplicate dns entry' }],
      ['Ready, but for an older generation', spec, rule({ ready, generation: 2, observed: 1 }), { kind: 'NotReady', reason: 'Applied', message: 'The MEP holds the rules.' }],
    ];
    for (const [name, desired, current, expected] of cases) {
      it(name, () => assert.deepEqual(observeRules(desired, current), expected));
    }
  });

  it('digests a spec independently of key order', function () {
    const a: AppRuleSpec = { hostRef: { name: 'h' }, appInstanceId: 'i', appName: 'n', appSupportMp1: true };
    const b: AppRuleSpec = { appSupportMp1: true, appName: 'n', appInstanceId: 'i', hostRef: { name: 'h' } };
    assert.equal(ruleSpecDigest(a), ruleSpecDigest(b));
    assert.notEqual(ruleSpecDigest(a), ruleSpecDigest({ ...a, appName: 'm' }));
  });
});
