/**
 * How a notification leaves the operator, without a cluster: Standard Webhooks signatures (the
 * convention's published example, and an independent verifier), the callback allowlist as a
 * table of URLs and DNS answers, backoff and suspension, and the POST itself against local
 * servers (no redirects followed, answers not read past the cap, deadlines, the pinned address).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { checkCallbackUrl, chooseAddress, parseAllowlist, type CallbackPolicy, type ResolvedAddress } from '../../src/north/subscriptions/allowlist.js';
import { maxResponseBytes, postNotification, type Attempt } from '../../src/north/subscriptions/callback.js';
import type { DeliveryRound } from '../../src/north/subscriptions/deliver.js';
import { bookRound } from '../../src/north/subscriptions/outcome.js';
import { afterFailure, extendRun, type RetryPolicy } from '../../src/north/subscriptions/retry.js';
import { parseSigningSecret, webhookHeaders } from '../../src/north/subscriptions/signing.js';
import { verifyStandardWebhook } from './support/subscription-fixtures.js';

describe('Subscriptions: Standard Webhooks signatures', () => {
  it('signs the convention\'s published example as it says', () => {
    const key = parseSigningSecret('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    assert.ok(key.ok);
    const headers = webhookHeaders('msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}', key.ok ? key.key : undefined);
    assert.deepEqual(headers, {
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek', 'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    });
  });

  it('makes signatures an independent verifier accepts, and it refuses a changed body, id or stale time', () => {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const key = parseSigningSecret(`${secret}\n`);
    assert.ok(key.ok, 'a trailing newline (as kubectl create secret --from-file leaves it) is ignored');
    const body = '{"notificationType":"AppLcmOpOccNotification"}';
    const headers = webhookHeaders('msg_1', 1_700_000_000, body, key.ok ? key.key : undefined);
    assert.equal(verifyStandardWebhook(secret, headers, body, 1_700_000_010), true);
    assert.equal(verifyStandardWebhook(secret, headers, body.replace('Lcm', 'Lcn'), 1_700_000_010), false);
    assert.equal(verifyStandardWebhook(secret, { ...headers, 'webhook-id': 'msg_2' }, body, 1_700_000_010), false);
    assert.equal(verifyStandardWebhook(secret, headers, body, 1_700_000_000 + 3600), false);
  });

  it('sends no signature without a key, and refuses secrets that are not whsec_ base64 of 24 to 64 bytes', () => {
    assert.deepEqual(Object.keys(webhookHeaders('msg_1', 1, '{}', undefined)), ['webhook-id', 'webhook-timestamp']);
    assert.ok(parseSigningSecret(randomBytes(24).toString('base64')).ok, 'the prefix is optional');
    for (const bad of ['whsec_', 'whsec_not base64!', `whsec_${randomBytes(16).toString('base64')}`, `whsec_${randomBytes(65).toString('base64')}`]) {
      const parsed = parseSigningSecret(bad);
      assert.equal(parsed.ok, false, bad);
      assert.ok(!parsed.ok && !parsed.message.includes(bad.slice(6, 20) || '\u0000'), 'the message does not repeat the secret');
    }
  });
});

describe('Subscriptions: the callback allowlist', () => {
  const policy = (allowlist: string, allowHttp = false): CallbackPolicy => ({ entries: parseAllowlist(allowlist), allowHttp });
  const v4 = (address: string): ResolvedAddress => ({ address, family: 4 });
  const v6 = (address: string): ResolvedAddress => ({ address, family: 6 });

  it('parses host names, *.suffix patterns and CIDRs, and names a bad entry', () => {
    assert.deepEqual(parseAllowlist(' hooks.example.com, *.Apps.Example.com ,10.20.0.0/16,::1, 192.0.2.7'), [
      { kind: 'Host', pattern: 'hooks.example.com' }, { kind: 'Host', pattern: '*.apps.example.com' },
      { kind: 'Cidr', network: '10.20.0.0', prefix: 16, family: 'ipv4' }, { kind: 'Cidr', network: '::1', prefix: 128, family: 'ipv6' },
      { kind: 'Cidr', network: '192.0.2.7', prefix: 32, family: 'ipv4' },
    ]);
    assert.deepEqual(parseAllowlist(''), []);
    for (const bad of ['10.0.0.0/33', '10.0.0.0/x', 'https://hooks.example.com', '*', 'a..b', '*.*.example.com', '::1/129']) {
      assert.throws(() => parseAllowlist(`hooks.example.com,${bad}`), (e: Error) => e.message.includes(`"${bad}"`), bad);
    }
  });

  const urlRows: Array<[string, string, CallbackPolicy, string | true]> = [
    ['https with an allowed host', 'https://hooks.example.com/n', policy('hooks.example.com'), true],
    ['http without the opt-in', 'http://hooks.example.com/n', policy('hooks.example.com'), 'must be https'],
    ['http with the opt-in', 'http://hooks.example.com/n', policy('hooks.example.com', true), true],
    ['another scheme', 'ftp://hooks.example.com/n', policy('hooks.example.com', true), 'must be https or http'],
    ['credentials in the URL', 'https://user:pw@hooks.example.com/n', policy('hooks.example.com'), 'must not carry a user or password'],
    ['an empty allowlist', 'https://hooks.example.com/n', policy(''), '--north-callback-allowlist is empty'],
    ['not a URL', 'hooks.example.com/n', policy('hooks.example.com'), 'not a URL'],
  ];
  for (const [what, uri, p, expect] of urlRows) {
    it(`URL: ${what} → ${expect === true ? 'accepted' : 'refused'}`, () => {
      const verdict = checkCallbackUrl(uri, p);
      if (expect === true) assert.ok(verdict.ok, JSON.stringify(verdict));
      else assert.ok(!verdict.ok && verdict.message.includes(expect), JSON.stringify(verdict));
    });
  }

  const addressRows: Array<[string, string, ResolvedAddress[], CallbackPolicy, string | undefined]> = [
    ['a named host at a public address', 'hooks.example.com', [v4('93.184.216.34')], policy('hooks.example.com'), '93.184.216.34'],
    ['a name below a *.suffix', 'a.b.example.com', [v4('93.184.216.34')], policy('*.example.com'), '93.184.216.34'],
    ['the suffix itself is not below it', 'example.com', [v4('93.184.216.34')], policy('*.example.com'), undefined],
    ['a name that only ends like the suffix', 'evil-example.com', [v4('93.184.216.34')], policy('*.example.com'), undefined],
    ['a host not listed', 'other.example.org', [v4('93.184.216.34')], policy('hooks.example.com'), undefined],
    ['a named host resolving to loopback (DNS pointing inside)', 'hooks.example.com', [v4('127.0.0.1')], policy('hooks.example.com'), undefined],
    ['a named host resolving to cloud metadata', 'hooks.example.com', [v4('169.254.169.254')], policy('hooks.example.com'), undefined],
    ['a named host resolving to a pod range', 'hooks.example.com', [v4('10.244.1.7')], policy('hooks.example.com'), undefined],
    ['a named host resolving to IPv6 link-local', 'hooks.example.com', [v6('fe80::1')], policy('hooks.example.com'), undefined],
    ['a named host resolving to NAT64 of loopback', 'hooks.example.com', [v6('64:ff9b::7f00:1')], policy('hooks.example.com'), undefined],
    ['a named host resolving to a mapped IPv4 metadata address', 'hooks.example.com', [v6('::ffff:169.254.169.254')], policy('hooks.example.com'), undefined],
    ['the public one of a mixed answer', 'hooks.example.com', [v4('10.0.0.5'), v4('93.184.216.34')], policy('hooks.example.com'), '93.184.216.34'],
    ['a private address a CIDR allows (an in-cluster receiver)', 'appstore.appstore.svc', [v4('10.96.4.2')], policy('10.96.0.0/12'), '10.96.4.2'],
    ['loopback allowed by CIDR', '127.0.0.1', [v4('127.0.0.1')], policy('127.0.0.1/32'), '127.0.0.1'],
    ['loopback next to the allowed one', '127.0.0.2', [v4('127.0.0.2')], policy('127.0.0.1/32'), undefined],
    ['localhost: only the allowed family is used', 'localhost', [v6('::1'), v4('127.0.0.1')], policy('127.0.0.1/32'), '127.0.0.1'],
    ['a mapped IPv4 address judged as IPv4', 'localhost', [v6('::ffff:127.0.0.1')], policy('127.0.0.1/32'), '127.0.0.1'],
    ['a public literal address a host pattern cannot name', '93.184.216.34', [v4('93.184.216.34')], policy('hooks.example.com'), undefined],
    ['the unspecified address', '0.0.0.0', [v4('0.0.0.0')], policy('hooks.example.com'), undefined],
    ['no address at all', 'hooks.example.com', [], policy('hooks.example.com'), undefined],
  ];
  for (const [what, host, resolved, p, expect] of addressRows) {
    it(`address: ${what} → ${expect ?? 'refused'}`, () => {
      const verdict = chooseAddress(host, resolved, p);
      if (expect) assert.deepEqual(verdict.ok && verdict.address.address, expect);
      else assert.ok(!verdict.ok && verdict.message.includes(host), JSON.stringify(verdict));
    });
  }
});

describe('Subscriptions: backoff and suspension', () => {
  const policy: RetryPolicy = { baseMs: 1000, capMs: 60_000, jitter: 0, suspendAfterMs: 3_600_000, suspendAfterFailures: 5 };
  const start = new Date('2026-01-01T00:00:00Z');
  const after = (ms: number) => new Date(start.getTime() + ms);

  it('doubles the delay per failure up to the cap, with jitter within its fraction', () => {
    let run = extendRun(undefined, start);
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const next = afterFailure(run, start, policy);
      delays.push(next.kind === 'Retry' ? next.afterMs : -1);
      run = extendRun(run, start);
    }
    assert.deepEqual(delays, [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000]);
    const jittered = afterFailure({ consecutive: 2, since: start }, start, { ...policy, jitter: 0.5 }, () => 1);
    assert.deepEqual(jittered, { kind: 'Retry', afterMs: 3000 });
  });

  it('suspends only when both enough attempts failed and the run lasted the bound', () => {
    assert.equal(afterFailure({ consecutive: 50, since: start }, after(3_599_999), policy).kind, 'Retry', 'many failures, not long enough');
    assert.equal(afterFailure({ consecutive: 4, since: start }, after(7_200_000), policy).kind, 'Retry', 'long, too few attempts');
    const suspended = afterFailure({ consecutive: 5, since: start }, after(3_600_000), policy);
    assert.equal(suspended.kind, 'Suspend');
    assert.match(suspended.kind === 'Suspend' ? suspended.message : '', /failed 5 times in a row over 3600 s/);
  });

  it('keeps the start of a run and counts it up', () => {
    assert.deepEqual(extendRun(extendRun(undefined, start), after(5000)), { consecutive: 2, since: start });
  });
});

describe('Subscriptions: booking a round into the status', () => {
  const policy: RetryPolicy = { baseMs: 1000, capMs: 60_000, jitter: 0, suspendAfterMs: 60_000, suspendAfterFailures: 3 };
  const t0 = new Date('2026-01-01T00:00:00Z');
  const record = { kind: 'AppPackage' as const, name: 'p', host: 'edge-1', sequence: 1, state: 'Distributed' as const, digest: 'd', id: 'uid-p' };
  const refused = (time: Date, attempts = 1): DeliveryRound => ({
    records: [], delivered: 0, failedAttempts: attempts, failure: { kind: 'Failed', reason: 'CallbackRefused', message: 'the callback answered HTTP 503 (not a 2xx)', httpStatus: 503, time },
  });

  it('counts a full round and settles', () => {
    const status = { succeeded: 4, failed: 1 };
    const outcome = bookRound(status, { records: [record], delivered: 1, failedAttempts: 0, lastDeliveryTime: t0 }, 1, 1, policy);
    assert.deepEqual(outcome, { kind: 'Settled' });
    assert.deepEqual(status, { succeeded: 5, failed: 1, pending: 0, delivered: [record], lastDeliveryTime: t0.toISOString() });
  });

  it('starts a failure run, extends it with its start kept, and retries with backoff', () => {
    const status = {};
    const first = bookRound(status, refused(t0), 2, 1, policy);
    assert.deepEqual(first, { kind: 'Retry', afterMs: 1000, message: 'the callback answered HTTP 503 (not a 2xx); 2 notifications wait, retried in 1 s (failure 1 in a row).' });
    const second = bookRound(status, refused(new Date(t0.getTime() + 1000), 2), 2, 1, policy);
    assert.deepEqual(second.kind === 'Retry' && second.afterMs, 4000, 'two more attempts failed: 2^2 s');
    assert.deepEqual(status, {
      delivered: [], pending: 2, succeeded: 0, failed: 3, consecutiveFailures: 3, failingSince: t0.toISOString(),
      lastFailure: { time: '2026-01-01T00:00:01.000Z', reason: 'CallbackRefused', message: 'the callback answered HTTP 503 (not a 2xx)', httpStatus: 503 },
    });
  });

  it('suspends at the generation once the run is long and large enough', () => {
    const status = { consecutiveFailures: 2, failingSince: t0.toISOString() };
    const outcome = bookRound(status, refused(new Date(t0.getTime() + 60_000)), 1, 7, policy);
    assert.equal(outcome.kind, 'Suspend');
    assert.match(outcome.kind === 'Suspend' ? outcome.message : '', /^Suspended: the callback failed 3 times in a row over 60 s .* Last failure: the callback answered HTTP 503/);
    assert.equal((status as { suspendedGeneration?: number }).suspendedGeneration, 7);
  });

  it('ends the run when anything was delivered, even in a round that then failed', () => {
    const status = { consecutiveFailures: 9, failingSince: t0.toISOString() };
    const later = new Date(t0.getTime() + 3_600_000);
    const outcome = bookRound(status, { ...refused(later), records: [record], delivered: 1, lastDeliveryTime: later }, 2, 1, policy);
    assert.equal(outcome.kind, 'Retry');
    assert.deepEqual([(status as { consecutiveFailures?: number }).consecutiveFailures, (status as { failingSince?: string }).failingSince], [1, later.toISOString()]);
  });

  it('continues when it stopped early without a failure (the operator is stopping)', () => {
    assert.deepEqual(bookRound({}, { records: [], delivered: 0, failedAttempts: 0 }, 3, 1, policy), { kind: 'Continue', message: '3 notifications left to deliver.' });
  });
});

describe('Subscriptions: one POST', () => {
  let server: Server;
  let port = 0;
  let handler: (url: string, headers: IncomingHttpHeaders, body: string, respond: (status: number, body?: string, headers?: Record<string, string>) => void) => void;

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => { body += c.toString(); });
      req.on('end', () => handler(req.url ?? '', req.headers, body, (status, text = '', headers = {}) => {
        res.writeHead(status, headers);
        res.end(text);
      }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const post = (url: string, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<Attempt> => {
    const target = { url: new URL(url), hostname: new URL(url).hostname, address: { address: '127.0.0.1', family: 4 as const } };
    return postNotification(target, '{"n":1}', { 'webhook-id': 'msg_1' }, { timeoutMs: options.timeoutMs ?? 2000, signal: options.signal ?? new AbortController().signal });
  };

  it('POSTs the body and headers to the pinned address, the URL\'s host in the Host header', async () => {
    let seen: { url: string; headers: IncomingHttpHeaders; body: string } | undefined;
    handler = (url, headers, body, respond) => { seen = { url, headers, body }; respond(204); };
    assert.deepEqual(await post(`http://hooks.example.com:${port}/notify?t=1`), { kind: 'Delivered', httpStatus: 204 });
    assert.deepEqual([seen?.url, seen?.headers.host, seen?.headers['content-type'], seen?.headers['webhook-id'], seen?.body],
      ['/notify?t=1', `hooks.example.com:${port}`, 'application/json', 'msg_1', '{"n":1}']);
  });

  it('does not follow a redirect', async () => {
    let calls = 0;
    handler = (url, _h, _b, respond) => { calls += 1; respond(url === '/moved' ? 302 : 204, '', { location: `http://127.0.0.1:${port}/elsewhere` }); };
    const attempt = await post(`http://127.0.0.1:${port}/moved`);
    assert.deepEqual(attempt, { kind: 'Failed', reason: 'CallbackRefused', message: 'the callback answered HTTP 302 (a redirect, which is not followed)', httpStatus: 302 });
    assert.equal(calls, 1);
  });

  it('reports a 5xx as refused with its status, and reads no more than the cap of a huge answer', async () => {
    handler = (_u, _h, _b, respond) => respond(503, 'x'.repeat(maxResponseBytes * 64));
    const attempt = await post(`http://127.0.0.1:${port}/`);
    assert.deepEqual(attempt.kind === 'Failed' && [attempt.reason, attempt.httpStatus], ['CallbackRefused', 503]);
    assert.ok(attempt.kind === 'Failed' && !attempt.message.includes('xxx'), 'the answer body is not repeated');
  });

  it('gives up on a callback that does not answer in time', async () => {
    handler = () => undefined;
    const started = Date.now();
    const attempt = await post(`http://127.0.0.1:${port}/`, { timeoutMs: 300 });
    assert.deepEqual(attempt, { kind: 'Failed', reason: 'CallbackTimedOut', message: 'no answer within 300 ms' });
    assert.ok(Date.now() - started < 2000);
  });

  it('reports a closed port as unreachable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const unused = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const attempt = await post(`http://127.0.0.1:${unused}/`);
    assert.deepEqual(attempt.kind === 'Failed' && attempt.reason, 'CallbackUnreachable');
    assert.match(attempt.kind === 'Failed' ? attempt.message : '', /ECONNREFUSED/);
  });

  it('checks an https callback\'s certificate against its name while connecting to the pinned address (SNI carries the name)', async function () {
    this.timeout(20_000);
    const dir = mkdtempSync(join(tmpdir(), 'subs-tls-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=hooks.example.com',
        '-addext', 'subjectAltName=DNS:hooks.example.com', '-keyout', join(dir, 'tls.key'), '-out', join(dir, 'tls.crt')], { stdio: 'ignore' });
      let requests = 0;
      const names: string[] = [];
      const tls = createHttpsServer({
        cert: readFileSync(join(dir, 'tls.crt')), key: readFileSync(join(dir, 'tls.key')),
        SNICallback: (name, done) => { names.push(name); done(null); },
      }, (_req, res) => {
        requests += 1;
        res.writeHead(204).end();
      });
      tls.on('tlsClientError', () => undefined);
      await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
      const tlsPort = (tls.address() as AddressInfo).port;
      const url = new URL(`https://hooks.example.com:${tlsPort}/notify`);
      const attempt = await postNotification({ url, hostname: 'hooks.example.com', address: { address: '127.0.0.1', family: 4 } }, '{}', {}, { timeoutMs: 2000, signal: new AbortController().signal });
      tls.closeAllConnections();
      await new Promise<void>((resolve) => tls.close(() => resolve()));
      assert.deepEqual(attempt.kind === 'Failed' && attempt.reason, 'CallbackUnreachable', 'a certificate no system CA signed is refused');
      assert.match(attempt.kind === 'Failed' ? attempt.message : '', /self.signed/);
      assert.equal(requests, 0, 'no notification went over the unverified connection');
      assert.deepEqual(names, ['hooks.example.com'], 'SNI names the host, not the address connected to');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects when the caller aborts (the operator is stopping), rather than counting a failure', async () => {
    handler = () => undefined;
    const abort = new AbortController();
    const pending = post(`http://127.0.0.1:${port}/`, { signal: abort.signal, timeoutMs: 5000 });
    setImmediate(() => abort.abort(new Error('stopping')));
    await assert.rejects(pending, /stopping/);
  });
});
