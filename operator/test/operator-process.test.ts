/**
 * The operator as a process, the way `npm run operator -- --kubeconfig …` runs it: flags,
 * /healthz, /readyz once caches synced, /metrics with controller-runtime's names behind
 * TokenReview + SubjectAccessReview, JSON logs carrying controller, object and reconcile id,
 * a clean stop on SIGTERM, and servers that outlive whatever a client sends them. The main
 * test runs the process as the chart's ServiceAccount: leader election and /metrics auth with
 * the chart's RBAC alone.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { get } from '../../testenv/src/http.js';
import { freePort } from '../../testenv/src/ports.js';
import { waitFor } from '../../testenv/src/process.js';
import { installCrds } from './support/crds.js';
import { kubectl } from './support/kubectl.js';
import { envStartTimeoutMs, sharedEnv, type SharedEnv } from './support/env.js';
import { operatorNamespace, writeOperatorKubeconfig } from './support/operator-identity.js';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

/** GET with optional headers; resolves to the status code (0 when no answer). */
function getStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { headers, agent: false, timeout: 5000 }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

/** Writes raw bytes to host:port and resolves to whatever comes back before the socket closes (or 3 s pass). */
function rawExchange(port: number, bytes: string, { end = true } = {}): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    const timer = setTimeout(() => socket.destroy(), 3000);
    socket.setEncoding('latin1').on('data', (chunk: string) => { answer += chunk; });
    socket.on('close', () => { clearTimeout(timer); resolve(answer); });
    socket.on('error', () => undefined);
    socket.write(bytes, 'latin1');
    if (end) socket.end();
  });
}

describe('Operator process', function () {
  let shared: SharedEnv;
  let child: ChildProcess | undefined;
  let output = '';

  before(async function () {
    this.timeout(envStartTimeoutMs);
    shared = await sharedEnv();
    await installCrds(shared.hub);
  });

  /** A kubeconfig of the chart's ServiceAccount. */
  const kubeconfig = join(tmpdir(), `process-${Date.now().toString(36)}.kubeconfig`);

  after(async () => {
    child?.kill('SIGKILL');
    await rm(kubeconfig, { force: true });
  });

  it('refuses a bad flag with a message naming it', async () => {
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const p = spawn(process.execPath, ['--import', 'tsx', main, '--concurrency', 'many'], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      p.stderr.setEncoding('utf8').on('data', (c: string) => { stderr += c; });
      p.on('exit', (code) => resolve({ code, stderr }));
    });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--concurrency must be a positive number, got "many"/);
    assert.match(result.stderr, /Usage: mecm-operator/);
  });

  it('serves probes and metrics, logs JSON with reconcile ids, and stops on SIGTERM', async function () {
    this.timeout(60_000);
    const [metricsPort, probePort] = [await freePort(), await freePort()];
    await writeOperatorKubeconfig(shared.hub, kubeconfig);
    // The leader Lease goes to the operator's namespace: the only one its Role allows.
    child = spawn(process.execPath, ['--import', 'tsx', main, '--kubeconfig', kubeconfig, '--namespace', operatorNamespace,
      '--metrics-bind-address', `127.0.0.1:${metricsPort}`, '--health-probe-bind-address', `127.0.0.1:${probePort}`,
      '--leader-elect', '--leader-election-id', `process-test-${Date.now().toString(36)}`],
    { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => { output += chunk; });
    const probe = (path: string) => get(`http://127.0.0.1:${probePort}${path}`).catch(() => ({ status: 0, body: '' }));
    await waitFor('/healthz', async () => (await probe('/healthz')).status === 200, 30_000, 100);
    await waitFor('/readyz', async () => (await probe('/readyz')).status === 200, 30_000, 100);
    await waitFor('leadership', async () => output.includes('"message":"Became leader"'), 30_000, 50);
    // A scraper is a ServiceAccount bound to the metrics-reader ClusterRole; anyone else is refused.
    const ns = `metrics-${Date.now().toString(36)}`;
    const must = async (args: string[], stdin?: string) => {
      const r = await kubectl(shared.hub, args, stdin);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.trim();
    };
    await must(['create', 'namespace', ns]);
    await must(['create', 'serviceaccount', 'scraper', '-n', ns]);
    await must(['create', 'serviceaccount', 'stranger', '-n', ns]);
    await must(['apply', '-f', fileURLToPath(new URL('../../config/rbac/metrics_reader_role.yaml', import.meta.url))]);
    await must(['create', 'clusterrolebinding', `${ns}-scraper`, '--clusterrole=mecm-operator-metrics-reader', `--serviceaccount=${ns}:scraper`]);
    const scraper = await must(['create', 'token', 'scraper', '-n', ns]);
    const stranger = await must(['create', 'token', 'stranger', '-n', ns]);
    const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    assert.equal(await getStatus(metricsUrl), 401, 'no token');
    assert.equal(await getStatus(metricsUrl, { Authorization: 'Bearer not-a-token' }), 401, 'a token the hub does not know');
    assert.equal(await getStatus(metricsUrl, { Authorization: `Bearer ${stranger}` }), 403, 'a token without the right');
    await waitFor('an authorized scrape', async () => (await getStatus(metricsUrl, { Authorization: `Bearer ${scraper}` })) === 200, 30_000, 200);
    const metrics = await new Promise<string>((resolve, reject) => {
      request(metricsUrl, { headers: { Authorization: `Bearer ${scraper}` }, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => { body += c; }).on('end', () => resolve(body));
      }).on('error', reject).end();
    });
    for (const name of ['controller_runtime_reconcile_total', 'workqueue_depth', 'rest_client_requests_total', 'leader_election_master_status', 'process_resident_memory_bytes']) {
      assert.match(metrics, new RegExp(`^# TYPE ${name} `, 'm'), `${name} is exported`);
    }
    assert.match(metrics, /leader_election_master_status\{name="process-test-[a-z0-9]+"\} 1/);
    // The hub holds EdgeHosts of other tests; a status change is logged per reconcile.
    const name = `process-${Date.now().toString(36)}`;
    await kubectl(shared.hub, ['apply', '-f', '-'], `apiVersion: mecm.io/v1alpha1
kind: EdgeHost
metadata: {name: ${name}}
spec:
  infrastructure: {type: kubernetes, kubeconfigSecretRef: {name: absent}}
  repository: {url: "http://127.0.0.1:9", insecure: true}
`);
    await waitFor('a reconcile log line', async () => output.includes(`"object":"${name}"`), 30_000, 100);
    const lines = output.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(lines.every((l) => typeof l.message === 'string' && typeof l.level === 'string'), 'every line is a JSON log record');
    const reconcileLine = lines.find((l) => l.object === name)!;
    assert.equal(reconcileLine.controller, 'edgehost');
    assert.match(String(reconcileLine.reconcileId), /^[0-9a-f-]{36}$/);
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.match(output, /"message":"Released leadership"/);
  });

  it('answers malformed requests on every port with 4xx and keeps serving', async function () {
    this.timeout(60_000);
    const [metricsPort, probePort] = [await freePort(), await freePort()];
    const proc = spawn(process.execPath, ['--import', 'tsx', main, '--kubeconfig', shared.hub.kubeconfigFile,
      '--metrics-bind-address', `127.0.0.1:${metricsPort}`, '--health-probe-bind-address', `127.0.0.1:${probePort}`],
    { stdio: ['ignore', 'ignore', 'inherit'] });
    let exitCode: number | null | undefined;
    proc.once('exit', (code) => { exitCode = code; });
    try {
      await waitFor('/healthz', async () => (await getStatus(`http://127.0.0.1:${probePort}/healthz`)) === 200, 30_000, 100);
      const hostile = [
        'GET // HTTP/1.1\r\nHost: x\r\n\r\n',
        'GET //metrics HTTP/1.1\r\nHost: x\r\n\r\n',
        'GET http://evil.example/metrics HTTP/1.1\r\nHost: x\r\n\r\n',
        'GET * HTTP/1.1\r\nHost: x\r\n\r\n',
        'GET /%zz%00../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n',
        'GET /healthz HTTP/1.1\r\nHost: [::1\r\n\r\n',
        'GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n',
        'DELETE /metrics HTTP/1.1\r\nHost: x\r\n\r\n',
        `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`,
        'GARBAGE\r\n\r\n',
        '\x00\x01\x02\xff\r\n\r\n',
        'GET /healthz HTTP/9.9\r\n\r\n',
        'GET /healthz HTTP/1.1\r\nContent-Length: -1\r\n\r\n',
        'POST /healthz HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      ];
      for (const port of [metricsPort, probePort]) {
        for (const bytes of hostile) {
          const answer = await rawExchange(port, bytes);
          const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
          assert.ok(status === 0 || (status >= 400 && status < 500), `port ${port}: ${JSON.stringify(bytes.slice(0, 40))} → ${answer.slice(0, 60)}`);
        }
        // A client that never finishes its headers holds nothing for long.
        void rawExchange(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n', { end: false });
      }
      assert.equal(exitCode, undefined, 'the process lives');
      assert.equal(await getStatus(`http://127.0.0.1:${probePort}/healthz`), 200);
      assert.equal(await getStatus(`http://127.0.0.1:${metricsPort}/metrics`), 401);
    } finally {
      proc.kill('SIGKILL');
    }
  });

  it('refuses to serve unauthenticated metrics beyond loopback', async () => {
    const result = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const p = spawn(process.execPath, ['--import', 'tsx', main, '--kubeconfig', shared.hub.kubeconfigFile, '--insecure-metrics',
        '--metrics-bind-address', ':0', '--health-probe-bind-address', '0'], { stdio: ['ignore', 'pipe', 'ignore'] });
      let stdout = '';
      p.stdout.setEncoding('utf8').on('data', (c: string) => { stdout += c; });
      p.on('exit', (code) => resolve({ code, stdout }));
    });
    assert.equal(result.code, 1);
    assert.match(result.stdout, /unauthenticated metrics are served on a loopback address only/);
  });
});
