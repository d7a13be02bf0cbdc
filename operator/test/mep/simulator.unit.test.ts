/**
 * The MEP simulator's wire contract, checked with raw HTTP (no MepClient): spelling, status
 * codes and ProblemDetails bodies as EdgeGallery's mepserver writes them (see docs/mep.md).
 */
import assert from 'node:assert/strict';
import { MepSimulator } from '../../../testenv/src/mep-simulator.js';
import { waitFor } from '../../../testenv/src/process.js';
import { appConfig, configPath, raw, taskPath, trafficRule } from '../fixtures/mep.js';

const token = 'sim-token-0123456789';

describe('MEP simulator (wire contract)', () => {
  let mep: MepSimulator;
  beforeEach(async () => { mep = await MepSimulator.start({ token, taskDurationMs: 60 }); });
  afterEach(async () => { await mep.stop(); });

  const post = (id: string, body: string | object) => raw(mep.url, 'POST', configPath(id), { token, body });
  const waitDone = async (taskId: string) => {
    let answer: Awaited<ReturnType<typeof raw>> | undefined;
    await waitFor(`task ${taskId} done`, async () => {
      answer = await raw(mep.url, 'GET', taskPath(taskId), { token });
      return (answer.json as { configResult: string }).configResult !== 'PROCESSING';
    }, 5000, 10);
    if (!answer) throw new Error('no answer');
    return answer;
  };

  it('answers a POST with a PROCESSING task spelled as mepserver spells it, then SUCCESS', async () => {
    const answer = await post('app-1', appConfig('app1'));
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['content-type'], 'application/json');
    assert.equal(answer.headers['x-response-status'], '200');
    assert.ok(answer.text.endsWith('}\n'), 'Go writes a newline after the JSON');
    const task = answer.json as Record<string, unknown>;
    assert.deepEqual(Object.keys(task), ['taskId', 'appInstanceId', 'configResult', 'configPhase', 'Detailed']);
    assert.match(String(task.taskId), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.deepEqual({ ...task, taskId: undefined }, {
      taskId: undefined, appInstanceId: 'app-1', configResult: 'PROCESSING', configPhase: '0', Detailed: 'Operation In progress',
    });
    assert.equal((await raw(mep.url, 'GET', configPath('app-1'), { token })).status, 404, 'not in effect before SUCCESS');
    const done = await waitDone(String(task.taskId));
    assert.deepEqual(done.json, { taskId: task.taskId, appInstanceId: 'app-1', configResult: 'SUCCESS', configPhase: '100', Detailed: '' });
  });

  it('answers GET with the Go struct: every field, zero values, null lists, state ACTIVE, IPv4 mapped', async () => {
    const config = {
      appName: 'go-shape',
      appDNSRule: [{ dnsRuleId: 'd1', domainName: 'a.mec.example', ipAddressType: 'IPv4', ipAddress: '192.0.2.1' }],
      appTrafficRule: [{ trafficRuleId: 't1', filterType: 'FLOW', priority: 1, trafficFilter: [{ srcPort: ['80'] }], action: 'DROP' }],
      unknownKey: 'ignored',
    };
    const task = (await post('go-1', config)).json as { taskId: string };
    await waitDone(task.taskId);
    const got = await raw(mep.url, 'GET', configPath('go-1'), { token });
    assert.deepEqual(got.json, {
      appTrafficRule: [{
        trafficRuleId: 't1', filterType: 'FLOW', priority: 1,
        trafficFilter: [{
          srcAddress: null, dstAddress: null, srcPort: ['80'], dstPort: null, protocol: null, tag: null,
          srcTunnelAddress: null, tgtTunnelAddress: null, srcTunnelPort: null, dstTunnelPort: null, qCI: 0, dSCP: 0, tC: 0,
        }],
        action: 'DROP', dstInterface: null, state: 'ACTIVE',
      }],
      appDNSRule: [{ dnsRuleId: 'd1', domainName: 'a.mec.example', ipAddressType: 'IP_V4', ipAddress: '192.0.2.1', ttl: 0, state: 'ACTIVE' }],
      appSupportMp1: false,
      appName: 'go-shape',
    });
  });

  it('matches JSON keys case-insensitively, like Go (appDnsRule == appDNSRule), the last one winning', async () => {
    const body = '{"APPNAME":"ci","appDnsRule":[{"DNSRULEID":"d1","domainname":"ci.mec.example","IpAddressType":"IP_V6","ipaddress":"2001:db8::1"}],'
      + '"appsupportmp1":true}';
    const task = (await post('ci-1', body)).json as { taskId: string };
    await waitDone(task.taskId);
    const held = mep.configuration('ci-1');
    assert.equal(held?.appName, 'ci');
    assert.equal(held?.appSupportMp1, true);
    assert.equal(held?.appDNSRule?.[0]?.ipAddress, '2001:db8::1');
    const twice = '{"appName":"last","appDNSRule":[],"appDnsRule":[{"dnsRuleId":"d","domainName":"l.mec.example","ipAddressType":"IP_V4","ipAddress":"192.0.2.9"}]}';
    const second = (await post('ci-2', twice)).json as { taskId: string };
    await waitDone(second.taskId);
    assert.equal(mep.configuration('ci-2')?.appDNSRule?.length, 1);
  });

  it('refuses bad rules with mepserver\'s 400 ProblemDetails naming the Go fields', async () => {
    const cases: Array<[string, object, string]> = [
      ['bad filterType', appConfig('v1', { appTrafficRule: [trafficRule('t', { filterType: 'BOTH' as 'FLOW' })] }), 'FilterType'],
      ['priority 0', appConfig('v2', { appTrafficRule: [trafficRule('t', { priority: 0 })] }), 'Priority'],
      ['priority 256', appConfig('v3', { appTrafficRule: [trafficRule('t', { priority: 256 })] }), 'Priority'],
      ['bad action', appConfig('v4', { appTrafficRule: [trafficRule('t', { action: 'STEAL' as 'DROP' })] }), 'Action'],
      ['17 traffic rules', appConfig('v5', { appTrafficRule: Array.from({ length: 17 }, (_, i) => trafficRule(`t${i}`)) }), 'AppTrafficRule'],
      ['3 dstInterfaces', appConfig('v6', { appTrafficRule: [trafficRule('t', { dstInterface: [1, 2, 3].map(() => ({ interfaceType: 'IP' as const, dstIpAddress: '192.0.2.1' })) })] }), 'DstInterface'],
      ['bad port', appConfig('v7', { appTrafficRule: [trafficRule('t', { trafficFilter: [{ dstPort: ['80', 'http'] }] })] }), 'DstPort[1]'],
      ['bad DNS address', appConfig('v8', { appDNSRule: [{ dnsRuleId: 'd', domainName: 'x.example', ipAddressType: 'IP_V4', ipAddress: '999.1.1.1' }] }), 'IPAddress'],
      ['no appName', appConfig('', {}), 'AppName'],
      ['appName of 64 characters', appConfig('a'.repeat(64)), 'AppName'],
    ];
    for (const [name, body, field] of cases) {
      const answer = await post(`bad-${name.replace(/\W/g, '')}`, body);
      assert.equal(answer.status, 400, name);
      assert.deepEqual(answer.json, { title: 'Bad Request', status: 1, detail: `Invalid value for input on:  ${field}` }, name);
    }
    const two = await post('bad-two', appConfig('v9', { appName: '', appTrafficRule: [trafficRule('t', { priority: 0, action: 'X' as 'DROP' })] }));
    assert.equal((two.json as { detail: string }).detail, 'Invalid value for input on:  Priority Action AppName');
    const typed = await post('bad-type', { appName: 'typed', appDNSRule: [{ dnsRuleId: 7 }] });
    assert.deepEqual(typed.json, { title: 'Bad Request', status: 4, detail: 'unmarshal request body error' });
    const broken = await post('bad-json', '{"appName":');
    assert.equal(broken.status, 400);
    assert.equal((broken.json as { status: number }).status, 1);
    const huge = await post('bad-huge', { appName: 'huge', pad: 'x'.repeat(40_000) });
    assert.deepEqual(huge.json, { title: 'Request parameter error', status: 14, detail: 'request body too large' });
    assert.equal(mep.tasks().length, 0, 'no refused request started a task');
  });

  it('keeps one configuration per instance: the errors of POST twice, PUT/DELETE of none, changes while PROCESSING', async () => {
    const first = (await post('one-1', appConfig('one'))).json as { taskId: string };
    const busy = await post('one-1', appConfig('one'));
    assert.deepEqual(busy.json, { title: 'Bad Request', status: 20, detail: 'app instance has other operation in progress' });
    const putEarly = await raw(mep.url, 'PUT', configPath('one-1'), { token, body: appConfig('one') });
    assert.deepEqual(putEarly.json, { title: 'Can not found resource', status: 3, detail: 'app instance not found' }, 'not held until SUCCESS');
    await waitDone(first.taskId);
    const again = await post('one-1', appConfig('one'));
    assert.deepEqual(again.json, { title: 'Bad Request', status: 19, detail: 'duplicate app instance' });
    const sameName = await post('one-2', appConfig('one'));
    assert.deepEqual(sameName.json, { title: 'Bad Request', status: 19, detail: 'duplicate app name' });
    const sameDomain = await post('one-3', appConfig('other', { appDNSRule: appConfig('one').appDNSRule }));
    assert.deepEqual(sameDomain.json, { title: 'Bad Request', status: 19, detail: 'duplicate dns entry' });
    const put = await raw(mep.url, 'PUT', configPath('one-1'), { token, body: appConfig('one', { appTrafficRule: [] }) });
    assert.equal(put.status, 200);
    const deleteBusy = await raw(mep.url, 'DELETE', configPath('one-1'), { token });
    assert.equal((deleteBusy.json as { status: number }).status, 20);
    await waitDone((put.json as { taskId: string }).taskId);
    assert.deepEqual(mep.configuration('one-1')?.appTrafficRule, [], 'PUT replaced the rules');
    const none = await raw(mep.url, 'DELETE', configPath('none'), { token });
    assert.deepEqual(none.json, { title: 'Can not found resource', status: 3, detail: 'app instance not found' });
    const get = await raw(mep.url, 'GET', configPath('none'), { token });
    assert.deepEqual(get.json, { title: 'Can not found resource', status: 5, detail: 'appD config retrieval failed' });
  });

  it('answers a PUT that changes no rule with 404 "no modification", and a renaming PUT with "app-name doesn\'t match"', async () => {
    const task = (await post('put-1', appConfig('put'))).json as { taskId: string };
    await waitDone(task.taskId);
    const stored = mep.configuration('put-1')!;
    const same = await raw(mep.url, 'PUT', configPath('put-1'), { token, body: { ...stored, appSupportMp1: !stored.appSupportMp1 } });
    assert.deepEqual(same.json, { title: 'Can not found resource', status: 5, detail: 'no modification data found in the input' });
    const renamed = await raw(mep.url, 'PUT', configPath('put-1'), { token, body: appConfig('renamed') });
    assert.deepEqual(renamed.json, { title: 'Bad Request', status: 6, detail: "app-name doesn't match" });
    const empty = await post('put-2', { appName: 'mp1only', appSupportMp1: true });
    assert.equal(empty.status, 404, 'a POST without rules has nothing to do');
  });

  it('checks the bearer token and the task id', async () => {
    assert.deepEqual((await raw(mep.url, 'GET', configPath('x'))).json, { message: 'Unauthorized' });
    assert.equal((await raw(mep.url, 'GET', configPath('x'), { token: 'wrong' })).status, 401);
    const bad = await raw(mep.url, 'GET', taskPath('not-a-uuid'), { token });
    assert.deepEqual(bad.json, { title: 'Request parameter error', status: 14, detail: 'taskId validation failed, invalid uuid' });
    const unknown = await raw(mep.url, 'GET', taskPath('5abe4782-2c70-4e47-9a4e-0ee3a1a0fd1f'), { token });
    assert.deepEqual(unknown.json, { title: 'Can not found resource', status: 5, detail: 'task rule retrieval failed' });
    const claimed = await raw(mep.url, 'GET', configPath('a'), { token, headers: { 'X-AppinstanceID': 'b' } });
    assert.deepEqual(claimed.json, { title: 'UnAuthorization', status: 11, detail: 'UnAuthorization to access the resource' });
    assert.ok((await raw(mep.url, 'GET', '/mepcfg/app_lcm/v1/', { token })).status < 500, 'the EdgeHost probe path answers below 500');
  });

  it('moves configPhase through the rule operations, DNS first, and fails midway with mepserver\'s Detailed', async () => {
    mep.taskDurationMs = 400;
    const seen = new Set<string>();
    const task = (await post('phase-1', appConfig('phase'))).json as { taskId: string };
    await waitFor('the task to succeed', async () => {
      const answer = (await raw(mep.url, 'GET', taskPath(task.taskId), { token })).json as { configResult: string; configPhase: string };
      seen.add(answer.configPhase);
      return answer.configResult === 'SUCCESS';
    }, 5000, 15);
    assert.ok([...seen].some((p) => p === '33' || p === '66'), `saw intermediate phases: ${[...seen].join(',')}`);
    mep.taskDurationMs = 60;
    mep.failTasks = true;
    const failing = (await post('phase-2', appConfig('phase2'))).json as { taskId: string };
    const failed = await waitDone(failing.taskId);
    assert.deepEqual(failed.json, {
      taskId: failing.taskId, appInstanceId: 'phase-2', configResult: 'FAILURE', configPhase: '0',
      Detailed: 'Failed in configuring dns rule on remote dns-server/data-plane.',
    });
    assert.equal(mep.configuration('phase-2'), undefined, 'a failed task changes nothing');
  });

  it('logs requests, fails the next n with a 5xx without side effects, and forgets on restart', async () => {
    mep.failNext(2, 502);
    assert.equal((await post('log-1', appConfig('log'))).status, 502);
    assert.equal((await raw(mep.url, 'GET', configPath('log-1'), { token })).status, 502);
    const ok = (await post('log-1', appConfig('log'))).json as { taskId: string };
    await waitDone(ok.taskId);
    assert.equal(mep.countRequests('POST', 'log-1'), 2);
    assert.deepEqual(mep.requests().slice(0, 3).map((r) => [r.method, r.status]), [['POST', 502], ['GET', 502], ['POST', 200]]);
    const port = new URL(mep.url).port;
    await mep.restart({ forget: true });
    assert.equal(new URL(mep.url).port, port);
    assert.equal((await raw(mep.url, 'GET', configPath('log-1'), { token })).status, 404);
    assert.equal((await raw(mep.url, 'GET', taskPath(ok.taskId), { token })).status, 404);
  });
});
