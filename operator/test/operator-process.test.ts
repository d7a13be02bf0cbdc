/**
 * The operator as a process, the way `npm run operator -- --kubeconfig …` runs it: flags,
 * /healthz, /readyz once caches synced, /metrics with controller-runtime's names, JSON logs
 * carrying controller, object and reconcile id, and a clean stop on SIGTERM.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { get } from '../../testenv/src/http.js';
import { freePort } from '../../testenv/src/ports.js';
import { waitFor } from '../../testenv/src/process.js';
import { installCrds } from './support/crds.js';
import { kubectl } from './support/kubectl.js';
import { envStartTimeoutMs, sharedEnv, type SharedEnv } from './support/env.js';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

describe('Operator process', function () {
  let shared: SharedEnv;
  let child: ChildProcess | undefined;
  let output = '';

  before(async function () {
    this.timeout(envStartTimeoutMs);
    shared = await sharedEnv();
    await installCrds(shared.hub);
  });

  after(() => { child?.kill('SIGKILL'); });

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
    child = spawn(process.execPath, ['--import', 'tsx', main, '--kubeconfig', shared.hub.kubeconfigFile,
      '--metrics-bind-address', `127.0.0.1:${metricsPort}`, '--health-probe-bind-address', `127.0.0.1:${probePort}`,
      '--leader-elect', '--leader-election-namespace', 'default', '--leader-election-id', `process-test-${Date.now().toString(36)}`],
    { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => { output += chunk; });
    const probe = (path: string) => get(`http://127.0.0.1:${probePort}${path}`).catch(() => ({ status: 0, body: '' }));
    await waitFor('/healthz', async () => (await probe('/healthz')).status === 200, 30_000, 100);
    await waitFor('/readyz', async () => (await probe('/readyz')).status === 200, 30_000, 100);
    await waitFor('leadership', async () => output.includes('"message":"Became leader"'), 30_000, 50);
    const metrics = (await get(`http://127.0.0.1:${metricsPort}/metrics`)).body;
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
  infrastructure: {type: kubernetes, kubeconfigSecretRef: {name: absent, namespace: default}}
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
});
