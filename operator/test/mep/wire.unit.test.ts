/**
 * Pure parts of the MEP client: the digest, the wire spelling in both directions, and the
 * classification of the MEP's answers.
 */
import assert from 'node:assert/strict';
import { canonicalJson, configDigest, sameConfig } from '../../src/mep/digest.js';
import { classifyAnswer, classifyTransport, isTransient, MepError, parseErrorBody } from '../../src/mep/errors.js';
import { dispositionOf, isReasonedError } from '../../src/runtime/reconcile.js';
import type { MepAppConfig } from '../../src/mep/types.js';
import { fromWire, parseTask, toWire } from '../../src/mep/wire.js';
import { appConfig, dnsRule, trafficRule } from '../fixtures/mep.js';

/** The same object with its keys in reverse order, recursively. */
function reverseKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(reverseKeys) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reverseKeys(v)])) as T;
  }
  return value;
}

describe('configDigest', () => {
  const base = appConfig('digest', {
    appTrafficRule: [trafficRule('b'), trafficRule('a', { priority: 7 })],
    appDNSRule: [dnsRule('y', 'y.mec.example'), dnsRule('x', 'x.mec.example')],
  });

  it('is sha256:<hex> and stable under key and rule reordering', () => {
    const digest = configDigest(base);
    assert.match(digest, /^sha256:[0-9a-f]{64}$/);
    const shuffled: MepAppConfig = reverseKeys({
      ...base,
      appTrafficRule: [...base.appTrafficRule].reverse(),
      appDNSRule: [...base.appDNSRule].reverse(),
    });
    assert.equal(configDigest(shuffled), digest);
    assert.ok(sameConfig(shuffled, base));
  });

  it('changes when any rule, name or flag changes', () => {
    const digest = configDigest(base);
    const variants: MepAppConfig[] = [
      { ...base, appTrafficRule: [trafficRule('b'), trafficRule('a', { priority: 8 })] },
      { ...base, appTrafficRule: [trafficRule('b'), trafficRule('a', { priority: 7, trafficFilter: [{ dstPort: ['8081'] }] })] },
      { ...base, appDNSRule: [dnsRule('y', 'y.mec.example'), dnsRule('x', 'x.mec.example', { ipAddress: '192.0.2.11' })] },
      { ...base, appDNSRule: [dnsRule('y', 'y.mec.example'), dnsRule('x', 'x.mec.example', { state: 'INACTIVE' })] },
      { ...base, appDNSRule: [dnsRule('y', 'y.mec.example')] },
      { ...base, appSupportMp1: !base.appSupportMp1 },
      { ...base, appName: 'other' },
    ];
    for (const variant of variants) assert.notEqual(configDigest(variant), digest, canonicalJson(variant));
  });

  it('treats what the MEP cannot tell apart as equal: defaults, Go zero values, IPv4 spelling, tunnelSpecificData', () => {
    const explicit = appConfig('zero', {
      appTrafficRule: [trafficRule('t', {
        state: 'ACTIVE',
        trafficFilter: [{ srcAddress: ['10.0.0.0/24'], dstPort: ['8080'], protocol: ['TCP'], qCI: 1, dSCP: 0, tag: [] }],
        dstInterface: [{ interfaceType: 'TUNNEL', tunnelInfo: { tunnelType: 'GTP_U', tunnelDstAddress: '192.0.2.1', tunnelSpecificData: 'x' } }],
      })],
      appDNSRule: [dnsRule('d', 'd.mec.example', { state: 'ACTIVE', ttl: 0 })],
    });
    const implicit = appConfig('zero', {
      appTrafficRule: [trafficRule('t', {
        trafficFilter: [{ srcAddress: ['10.0.0.0/24'], dstPort: ['8080'], protocol: ['TCP'], qCI: 1 }],
        dstInterface: [{ interfaceType: 'TUNNEL', tunnelInfo: { tunnelType: 'GTP_U', tunnelDstAddress: '192.0.2.1' } }],
      })],
      appDNSRule: [{ ...dnsRule('d', 'd.mec.example'), ttl: undefined, ipAddressType: 'IPv4' as 'IP_V4' }],
    });
    assert.equal(configDigest(explicit), configDigest(implicit));
  });
});

describe('MEP wire format', () => {
  it('sends canonical names, only known fields, and state ACTIVE when absent', () => {
    const wire = toWire(appConfig('w'));
    assert.deepEqual(Object.keys(wire), ['appTrafficRule', 'appDNSRule', 'appSupportMp1', 'appName']);
    const text = JSON.stringify(wire);
    assert.ok(!text.includes('appDnsRule'));
    assert.match(text, /"state":"ACTIVE"/);
    assert.deepEqual((wire.appDNSRule as unknown[])[0], {
      dnsRuleId: 'dns-1', domainName: 'w.mec.example', ipAddressType: 'IP_V4', ipAddress: '192.0.2.10', ttl: 30, state: 'ACTIVE',
    });
  });

  it('reads any key case and Go zero values back into the operator\'s shape', () => {
    const goShaped = {
      APPTRAFFICRULE: [{
        trafficruleid: 't1', FilterType: 'FLOW', priority: 3, action: 'DROP', dstInterface: null, state: 'ACTIVE',
        trafficFilter: [{ srcAddress: null, dstPort: ['80'], qCI: 0, dSCP: 0, tC: 0, tag: [] }],
      }],
      appDnsRule: [{ dnsRuleId: 'd1', domainName: 'a.example', ipAddressType: 'IP_V6', ipAddress: '2001:db8::1', ttl: 0, state: '' }],
      appsupportmp1: true,
      AppName: 'read',
      extra: 'ignored',
    };
    assert.deepEqual(fromWire(goShaped), {
      appTrafficRule: [{ trafficRuleId: 't1', filterType: 'FLOW', priority: 3, trafficFilter: [{ dstPort: ['80'] }], action: 'DROP', state: 'ACTIVE' }],
      appDNSRule: [{ dnsRuleId: 'd1', domainName: 'a.example', ipAddressType: 'IP_V6', ipAddress: '2001:db8::1', state: 'ACTIVE' }],
      appSupportMp1: true,
      appName: 'read',
    });
    assert.deepEqual(fromWire({ appName: 'empty', appTrafficRule: null, appDNSRule: null }),
      { appTrafficRule: [], appDNSRule: [], appSupportMp1: false, appName: 'empty' });
  });

  it('reads a task with Detailed, detailed or any other key case', () => {
    const id = '5abe4782-2c70-4e47-9a4e-0ee3a1a0fd1f';
    for (const key of ['Detailed', 'detailed', 'DETAILED']) {
      const task = parseTask({ taskId: id, appInstanceId: 'a', configResult: 'FAILURE', configPhase: '0', [key]: 'boom' });
      assert.equal(task.detailed, 'boom', key);
    }
    assert.deepEqual(parseTask({ TASKID: id, AppInstanceID: 'a', configresult: 'success', ConfigPhase: 100, Detailed: '' }),
      { taskId: id, appInstanceId: 'a', configResult: 'SUCCESS', configPhase: '100' });
    assert.throws(() => parseTask({ taskId: id, configResult: 'DONE' }), /configResult/);
    assert.throws(() => parseTask({ configResult: 'SUCCESS' }), /taskId/);
  });
});

describe('MEP answer classification', () => {
  const cases: Array<[number, string, string, string | undefined]> = [
    [400, '{"title":"Bad Request","status":19,"detail":"duplicate app instance"}', 'Conflict', 'AlreadyExists'],
    [400, '{"title":"Bad Request","status":19,"detail":"duplicate app name"}', 'Conflict', 'DuplicateAppName'],
    [400, '{"title":"Bad Request","status":19,"detail":"duplicate dns entry"}', 'Conflict', 'DuplicateDomainName'],
    [400, '{"title":"Bad Request","status":20,"detail":"app instance has other operation in progress"}', 'Conflict', 'OperationInProgress'],
    [400, '{"title":"Bad Request","status":6,"detail":"app-name doesn\'t match"}', 'Invalid', 'AppNameMismatch'],
    [400, '{"title":"Bad Request","status":1,"detail":"Invalid value for input on:  Priority"}', 'Invalid', undefined],
    [400, '{"title":"Request parameter error","status":14,"detail":"request body too large"}', 'Invalid', 'BodyTooLarge'],
    [404, '{"title":"Can not found resource","status":5,"detail":"no modification data found in the input"}', 'NotFound', 'NoChange'],
    [404, '{"title":"Can not found resource","status":3,"detail":"app instance not found"}', 'NotFound', undefined],
    [401, '{"message":"Unauthorized"}', 'Unauthorized', undefined],
    [401, '{"title":"UnAuthorization","status":11,"detail":"UnAuthorization to access the resource"}', 'Unauthorized', undefined],
    [403, '', 'Unauthorized', undefined],
    [409, '{"detail":"exists"}', 'Conflict', 'AlreadyExists'],
    [503, '{"title":"Remote server error","status":9,"detail":"server internal function failed"}', 'ServerError', undefined],
    [502, '<html>bad gateway</html>', 'ServerError', undefined],
  ];
  for (const [status, body, kind, reason] of cases) {
    it(`HTTP ${status} ${body.slice(0, 60)} → ${kind}${reason ? `/${reason}` : ''}`, () => {
      const error = classifyAnswer(status, parseErrorBody(body), 'POST appd_configuration of x');
      assert.equal(error.kind, kind);
      assert.equal(error.detailReason, reason);
      assert.equal(error.status, status);
    });
  }

  it('tells TLS trust failures from unreachable MEPs, and scrubs the token', () => {
    const tls = classifyTransport(Object.assign(new Error('unable to verify the first certificate'), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }), 'GET x');
    assert.equal(tls.kind, 'TlsUntrusted');
    assert.equal(isTransient(tls), false);
    const refused = classifyTransport(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'GET x');
    assert.equal(refused.kind, 'Unreachable');
    assert.equal(isTransient(refused), true);
    const scrubbed = classifyTransport(new Error('bad header Bearer s3cret-token'), 'GET x', (t) => t.split('s3cret-token').join('[redacted]'));
    assert.ok(!scrubbed.message.includes('s3cret-token'));
  });

  it('is a ReasonedError: reason MEP<kind> for the condition, transient only when a retry alone may pass', () => {
    const cases: Array<[MepError, string, boolean]> = [
      [classifyAnswer(503, {}, 'x'), 'MEPServerError', true],
      [new MepError('Timeout', 'x'), 'MEPTimeout', true],
      [classifyTransport(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }), 'x'), 'MEPUnreachable', true],
      [classifyAnswer(400, parseErrorBody('{"status":20,"detail":"other operation in progress"}'), 'x'), 'MEPConflict', true],
      [classifyAnswer(400, parseErrorBody('{"status":19,"detail":"duplicate app name"}'), 'x'), 'MEPConflict', false],
      [classifyAnswer(401, {}, 'x'), 'MEPUnauthorized', false],
      [classifyAnswer(400, parseErrorBody('{"status":1,"detail":"Invalid value"}'), 'x'), 'MEPInvalid', false],
      [classifyAnswer(404, {}, 'x'), 'MEPNotFound', false],
      [classifyTransport(Object.assign(new Error('untrusted'), { code: 'CERT_HAS_EXPIRED' }), 'x'), 'MEPTlsUntrusted', false],
    ];
    for (const [error, reason, transient] of cases) {
      assert.ok(isReasonedError(error), reason);
      assert.equal(error.reason, reason);
      assert.equal(error.transient, transient, reason);
      assert.equal(isTransient(error), transient, reason);
      assert.equal(dispositionOf(error).kind, transient ? 'Requeue' : 'Terminal', reason);
    }
  });
});
