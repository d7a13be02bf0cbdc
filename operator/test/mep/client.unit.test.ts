/**
 * MepClient against the MEP simulator over real HTTP(S): the task flow, the MEP's refusals as
 * typed errors, TLS trust, and every fault knob. Tasks take 40–150 ms; waits poll with deadlines.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MepSimulator } from '../../../testenv/src/mep-simulator.js';
import { createCertificateAuthority, issueCertificate, readPem } from '../../../testenv/src/pki.js';
import { MepClient } from '../../src/mep/client.js';
import { sameConfig } from '../../src/mep/digest.js';
import { MepError, isTransient } from '../../src/mep/errors.js';
import { appConfig, configPath, dnsRule, raw, trafficRule } from '../fixtures/mep.js';
import { waitFor } from '../../../testenv/src/process.js';

const token = 'client-token-abcdef123456';

/** Runs `fn` and returns the MepError it throws (fails when it throws something else or nothing). */
async function mepError(fn: () => Promise<unknown>): Promise<MepError> {
  try {
    await fn();
  } catch (error) {
    assert.ok(error instanceof MepError, `expected a MepError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a MepError');
}

describe('MepClient', () => {
  let mep: MepSimulator;
  let client: MepClient;
  beforeEach(async () => {
    mep = await MepSimulator.start({ token, taskDurationMs: 60 });
    client = new MepClient({ url: mep.url, token, timeoutMs: 2000 });
  });
  afterEach(async () => {
    client.close();
    await mep.stop();
  });
  const wait = (taskId: string, timeoutMs = 5000) => client.waitForTask(taskId, { timeoutMs, intervalMs: 10 });

  it('creates: PROCESSING, then SUCCESS, and only then GET shows the configuration', async () => {
    const config = appConfig('create');
    const task = await client.create('inst-1', config);
    assert.equal(task.configResult, 'PROCESSING');
    assert.equal(task.appInstanceId, 'inst-1');
    assert.equal(task.configPhase, '0');
    assert.equal(task.detailed, 'Operation In progress');
    assert.equal(await client.get('inst-1'), undefined, 'not in effect while PROCESSING');
    const done = await wait(task.taskId);
    assert.equal(done.configResult, 'SUCCESS');
    assert.equal(done.configPhase, '100');
    const held = await client.get('inst-1');
    assert.ok(held && sameConfig(held, config), 'GET shows what was sent');
    assert.equal(held.appDNSRule[0]?.state, 'ACTIVE', 'normalised: the MEP\'s ACTIVE default');
    assert.equal(held.appTrafficRule[0]?.trafficFilter[0]?.dSCP, undefined, 'normalised: Go zero values dropped');
  });

  it('sends the canonical field names and the bearer token', async () => {
    await wait((await client.create('inst-1', appConfig('canon'))).taskId);
    const body = mep.requests().find((r) => r.method === 'POST')?.body ?? '';
    assert.ok(body.includes('"appDNSRule"'));
    assert.ok(!body.includes('appDnsRule'));
    assert.ok(body.includes('"dstIpAddress"'));
    assert.equal(mep.countRequests('POST'), 1, 'exactly one POST');
  });

  it('updates with PUT; tells NoChange and AppNameMismatch apart', async () => {
    await wait((await client.create('inst-1', appConfig('upd'))).taskId);
    const changed = appConfig('upd', { appTrafficRule: [trafficRule('tr-1', { priority: 9 }), trafficRule('tr-2', { action: 'DROP', dstInterface: undefined })] });
    const task = await client.update('inst-1', changed);
    assert.equal(task.configResult, 'PROCESSING');
    assert.equal((await wait(task.taskId)).configResult, 'SUCCESS');
    const held = await client.get('inst-1');
    assert.ok(held && sameConfig(held, changed));
    const same = await mepError(() => client.update('inst-1', changed));
    assert.equal(same.kind, 'NotFound');
    assert.equal(same.detailReason, 'NoChange');
    assert.equal(same.status, 404);
    const renamed = await mepError(() => client.update('inst-1', { ...changed, appName: 'other' }));
    assert.equal(renamed.kind, 'Invalid');
    assert.equal(renamed.detailReason, 'AppNameMismatch');
    const none = await mepError(() => client.update('nobody', changed));
    assert.equal(none.kind, 'NotFound');
    assert.equal(none.detailReason, undefined);
  });

  it('deletes: the rules stay until SUCCESS, then GET is undefined; deleting nothing is NotFound', async () => {
    await wait((await client.create('inst-1', appConfig('del'))).taskId);
    const task = await client.delete('inst-1');
    assert.equal(task.configResult, 'PROCESSING');
    assert.ok(await client.get('inst-1'), 'still held while the delete runs');
    assert.equal((await wait(task.taskId)).configResult, 'SUCCESS');
    assert.equal(await client.get('inst-1'), undefined);
    assert.equal((await mepError(() => client.delete('inst-1'))).kind, 'NotFound');
  });

  it('refuses a second POST as Conflict: OperationInProgress while PROCESSING, AlreadyExists after', async () => {
    const first = await client.create('inst-1', appConfig('dup'));
    const busy = await mepError(() => client.create('inst-1', appConfig('dup')));
    assert.equal(busy.kind, 'Conflict');
    assert.equal(busy.detailReason, 'OperationInProgress');
    assert.equal(isTransient(busy), true);
    await wait(first.taskId);
    const exists = await mepError(() => client.create('inst-1', appConfig('dup')));
    assert.equal(exists.kind, 'Conflict');
    assert.equal(exists.detailReason, 'AlreadyExists');
    assert.equal(exists.detail, 'duplicate app instance');
    assert.equal(exists.details.mepCode, 19);
    assert.equal(isTransient(exists), false);
    const name = await mepError(() => client.create('inst-2', appConfig('dup')));
    assert.equal(name.detailReason, 'DuplicateAppName');
    const domain = await mepError(() => client.create('inst-3', appConfig('dup2', { appDNSRule: [dnsRule('x', 'dup.mec.example')] })));
    assert.equal(domain.detailReason, 'DuplicateDomainName');
  });

  it('reports refused rules as Invalid with the MEP\'s detail', async () => {
    const error = await mepError(() => client.create('inst-1', appConfig('bad', { appTrafficRule: [trafficRule('t', { priority: 300 })] })));
    assert.equal(error.kind, 'Invalid');
    assert.equal(error.status, 400);
    assert.equal(error.detail, 'Invalid value for input on:  Priority');
    assert.match(error.message, /Priority/);
  });

  it('is Unauthorized with a wrong or no token, and never shows the token', async () => {
    const wrong = new MepClient({ url: mep.url, token: 'wrong-token-0123456789', timeoutMs: 2000 });
    const anonymous = new MepClient({ url: mep.url, timeoutMs: 2000 });
    try {
      const error = await mepError(() => wrong.get('inst-1'));
      assert.equal(error.kind, 'Unauthorized');
      assert.equal(error.status, 401);
      assert.equal((await mepError(() => anonymous.create('inst-1', appConfig('anon')))).kind, 'Unauthorized');
      assert.ok(!JSON.stringify({ m: error.message, d: error.details }).includes('wrong-token-0123456789'));
    } finally {
      wrong.close();
      anonymous.close();
    }
  });

  it('times out a call the MEP answers too late, within the client timeout', async () => {
    const quick = new MepClient({ url: mep.url, token, timeoutMs: 150 });
    try {
      mep.latencyMs = 2000;
      const started = Date.now();
      const error = await mepError(() => quick.get('inst-1'));
      assert.equal(error.kind, 'Timeout');
      assert.ok(Date.now() - started < 1000, 'gave up at its own deadline');
      assert.equal(isTransient(error), true);
      mep.latencyMs = 0;
      assert.equal(await quick.get('inst-1'), undefined, 'works again once the MEP is fast');
    } finally {
      quick.close();
    }
  });

  it('turns a 5xx into ServerError, and the failed POST changed nothing', async () => {
    mep.failNext(1, 503);
    const error = await mepError(() => client.create('inst-1', appConfig('five')));
    assert.equal(error.kind, 'ServerError');
    assert.equal(error.status, 503);
    assert.equal(isTransient(error), true);
    assert.equal(mep.tasks().length, 0);
    mep.failNext(1, 500);
    assert.equal((await mepError(() => client.get('inst-1'))).kind, 'ServerError');
    await wait((await client.create('inst-1', appConfig('five'))).taskId);
    assert.equal(mep.countRequests('POST'), 2);
  });

  it('waitForTask times out on a hung task with the last state seen; the task finishes when the MEP recovers', async () => {
    mep.hangTasks = true;
    const task = await client.create('inst-1', appConfig('hang'));
    const started = Date.now();
    const error = await mepError(() => wait(task.taskId, 200));
    assert.equal(error.kind, 'Timeout');
    assert.equal(error.detailReason, 'TaskTimeout');
    assert.equal(error.details.lastTask?.configResult, 'PROCESSING');
    assert.ok(Date.now() - started < 1500);
    assert.equal((await mepError(() => client.update('inst-1', appConfig('hang')))).kind, 'NotFound', 'not held yet');
    mep.hangTasks = false;
    assert.equal((await wait(task.taskId)).configResult, 'SUCCESS');
  });

  it('returns a FAILURE task with the MEP\'s Detailed text, and nothing changes', async () => {
    mep.failTasks = true;
    const failed = await wait((await client.create('inst-1', appConfig('fail'))).taskId);
    assert.equal(failed.configResult, 'FAILURE');
    assert.equal(failed.detailed, 'Failed in configuring dns rule on remote dns-server/data-plane.');
    assert.equal(await client.get('inst-1'), undefined);
    mep.failTasks = 'data-plane rejected rule tr-1';
    const custom = await wait((await client.create('inst-1', appConfig('fail'))).taskId);
    assert.equal(custom.detailed, 'data-plane rejected rule tr-1');
    mep.failTasks = false;
    assert.equal((await wait((await client.create('inst-1', appConfig('fail'))).taskId)).configResult, 'SUCCESS');
  });

  it('sees a restart that forgot everything: GET undefined, the task NotFound, and reconnects', async () => {
    const task = await client.create('inst-1', appConfig('restart'));
    await wait(task.taskId);
    assert.ok(await client.get('inst-1'));
    await mep.restart({ forget: true });
    assert.equal(await client.get('inst-1'), undefined);
    const lost = await mepError(() => client.task(task.taskId));
    assert.equal(lost.kind, 'NotFound');
    await mep.restart({ forget: false });
    await wait((await client.create('inst-1', appConfig('restart'))).taskId);
    assert.equal(mep.countRequests('POST'), 2, 'the POST after the restart was sent once');
    await mep.restart({ forget: false });
    assert.ok(await client.get('inst-1'), 'a restart that keeps the store keeps the configuration');
  });

  it('is Unreachable when nothing listens', async () => {
    const url = mep.url;
    await mep.stop();
    const error = await mepError(() => client.get('inst-1'));
    assert.equal(error.kind, 'Unreachable');
    assert.equal(error.details.code, 'ECONNREFUSED');
    mep = await MepSimulator.start({ token, port: Number(new URL(url).port) });
  });

  it('reads what an old client wrote: appDnsRule and any key case', async () => {
    const body = '{"appName":"legacy","appSupportMp1":false,"appDnsRule":[{"dnsRuleId":"d1","domainName":"legacy.mec.example",'
      + '"ipAddressType":"IP_V4","ipAddress":"192.0.2.7","ttl":5}],"appTrafficRule":[]}';
    const answer = await raw(mep.url, 'POST', configPath('legacy-1'), { token, body });
    await wait((answer.json as { taskId: string }).taskId);
    const held = await client.get('legacy-1');
    assert.deepEqual(held?.appDNSRule, [dnsRule('d1', 'legacy.mec.example', { ipAddress: '192.0.2.7', ttl: 5, state: 'ACTIVE' })]);
    assert.deepEqual(held?.appTrafficRule, []);
  });

  it('waitForTask stops when its signal aborts', async () => {
    mep.hangTasks = true;
    const task = await client.create('inst-1', appConfig('abort'));
    const controller = new AbortController();
    const waiting = client.waitForTask(task.taskId, { timeoutMs: 10_000, intervalMs: 20, signal: controller.signal });
    controller.abort(new Error('shutting down'));
    await assert.rejects(waiting, /shutting down/);
  });

  it('uses one keep-alive connection for a sequence of calls, and none after close', async () => {
    for (let i = 0; i < 5; i += 1) await client.get(`inst-${i}`);
    assert.equal(client.socketCount(), 1);
    assert.equal(mep.requests().length, 5);
    client.close();
    await waitFor('no socket left', async () => client.socketCount() === 0, 2000, 10);
  });

  describe('over TLS', () => {
    let dir: string;
    let caPem: string;
    let otherCaPem: string;
    let tlsMep: MepSimulator;

    before(async function () {
      this.timeout(20_000);
      dir = await mkdtemp(join(tmpdir(), 'mep-tls-'));
      const ca = await createCertificateAuthority(join(dir, 'ca'), 'mep-test-ca');
      const other = await createCertificateAuthority(join(dir, 'other'), 'someone-else');
      const server = await issueCertificate(ca, join(dir, 'ca'), 'mep', { commonName: 'mep', altNames: ['IP:127.0.0.1'], usage: 'server' });
      caPem = await readPem(ca.certFile);
      otherCaPem = await readPem(other.certFile);
      tlsMep = await MepSimulator.start({ token, taskDurationMs: 40, tls: { cert: await readPem(server.certFile), key: await readPem(server.keyFile) } });
    });
    after(async () => {
      await tlsMep?.stop();
      await rm(dir, { recursive: true, force: true });
    });

    it('works with the CA given by the caller', async () => {
      assert.match(tlsMep.url, /^https:/);
      const secure = new MepClient({ url: tlsMep.url, token, caPem, timeoutMs: 2000 });
      try {
        const done = await secure.waitForTask((await secure.create('tls-1', appConfig('tls'))).taskId, { timeoutMs: 5000, intervalMs: 10 });
        assert.equal(done.configResult, 'SUCCESS');
      } finally {
        secure.close();
      }
    });

    it('is TlsUntrusted with another CA or with none', async () => {
      for (const pem of [otherCaPem, undefined]) {
        const untrusting = new MepClient({ url: tlsMep.url, token, caPem: pem, timeoutMs: 2000 });
        try {
          const error = await mepError(() => untrusting.get('tls-1'));
          assert.equal(error.kind, 'TlsUntrusted', error.message);
          assert.equal(isTransient(error), false);
        } finally {
          untrusting.close();
        }
      }
    });
  });
});
