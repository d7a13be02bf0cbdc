/**
 * Leader election with two real operator processes on the real hub: only the leader
 * reconciles; SIGKILL of the leader hands over within the lease duration; a SIGTERM releases
 * the lease for an immediate handover; reconciles of two processes never overlap in time.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../../../testenv/src/process.js';
import { coreTypes } from '../../src/runtime/kube/resource.js';
import { ResourceClient } from '../../src/runtime/kube/resource-client.js';
import { envStartTimeoutMs, sharedEnv, type SharedEnv } from '../support/env.js';
import { clientFor } from '../support/hub-client.js';

interface LogLine {
  message: string;
  identity?: string;
  start?: number;
  end?: number;
  at: number;
}

const fixture = fileURLToPath(new URL('../fixtures/leader-operator.ts', import.meta.url));
const leaseDurationMs = 3000;

class OperatorProcess {
  readonly lines: LogLine[] = [];
  private readonly child: ChildProcess;

  constructor(readonly identity: string, kubeconfig: string, namespace: string) {
    this.child = spawn(process.execPath, ['--import', 'tsx', fixture, kubeconfig, identity, namespace], { stdio: ['ignore', 'pipe', 'inherit'] });
    let buffered = '';
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        try {
          this.lines.push({ ...(JSON.parse(line) as LogLine), identity: this.identity, at: Date.now() });
        } catch {
          // not a log line
        }
      }
    });
  }

  has(message: string): boolean {
    return this.lines.some((l) => l.message === message);
  }

  firstAt(message: string): number | undefined {
    return this.lines.find((l) => l.message === message)?.at;
  }

  reconciles(): Array<{ start: number; end: number }> {
    return this.lines.filter((l) => l.message === 'reconciled').map((l) => ({ start: l.start!, end: l.end! }));
  }

  kill(signal: NodeJS.Signals): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) return resolve();
      this.child.once('exit', () => resolve());
      this.child.kill(signal);
    });
  }
}

function assertNoOverlap(a: OperatorProcess, b: OperatorProcess): void {
  for (const x of a.reconciles()) {
    for (const y of b.reconciles()) {
      assert.ok(x.end <= y.start || y.end <= x.start,
        `${a.identity} reconciled ${x.start}–${x.end} while ${b.identity} reconciled ${y.start}–${y.end}`);
    }
  }
}

describe('Leader election with two operator processes', function () {
  let shared: SharedEnv;
  const processes: OperatorProcess[] = [];
  const namespace = `leader-${Date.now().toString(36)}`;

  before(async function () {
    this.timeout(envStartTimeoutMs);
    shared = await sharedEnv();
    const client = await clientFor(shared.hub);
    await new ResourceClient(client, coreTypes.namespace).create({ metadata: { name: namespace } });
    const configMaps = new ResourceClient(client, coreTypes.configMap);
    for (const name of ['a', 'b', 'c']) await configMaps.create({ metadata: { name, namespace, labels: { test: 'leader' } } });
    client.close();
  });

  after(async () => {
    await Promise.all(processes.map((p) => p.kill('SIGKILL')));
  });

  it('hands over within the lease duration when the leader dies, never reconciling twice at once', async function () {
    this.timeout(90_000);
    const first = new OperatorProcess('first', shared.hub.kubeconfigFile, namespace);
    processes.push(first);
    await waitFor('first leads', async () => first.has('Became leader') && first.reconciles().length > 0, 30_000, 50);
    const second = new OperatorProcess('second', shared.hub.kubeconfigFile, namespace);
    processes.push(second);
    await waitFor('second started', async () => second.has('started'), 30_000, 50);
    await waitFor('first keeps reconciling', async () => first.reconciles().length > 20, 10_000, 50);
    assert.equal(second.reconciles().length, 0, 'a standby does not reconcile');

    const killedAt = Date.now();
    await first.kill('SIGKILL');
    await waitFor('second leads', async () => second.has('Became leader'), leaseDurationMs * 3, 20);
    const takeoverMs = second.firstAt('Became leader')! - killedAt;
    await waitFor('second reconciles', async () => second.reconciles().length > 0, 10_000, 50);
    // The standby counts the lease duration from when it saw the last renewal (up to one retry
    // period late) and looks again every retry period (500 ms + 20% jitter): lease + 2 × 600 ms.
    assert.ok(takeoverMs <= leaseDurationMs + 1200, `took over after ${takeoverMs} ms`);
    assertNoOverlap(first, second);
    console.log(`      takeover after SIGKILL: ${takeoverMs} ms (lease ${leaseDurationMs} ms)`);
  });

  it('releases the lease on SIGTERM so a standby takes over at once', async function () {
    this.timeout(60_000);
    const leader = processes[1]!;
    const third = new OperatorProcess('third', shared.hub.kubeconfigFile, namespace);
    processes.push(third);
    await waitFor('third started', async () => third.has('started'), 30_000, 50);
    const stoppedAt = Date.now();
    await leader.kill('SIGTERM');
    await waitFor('third leads', async () => third.has('Became leader'), leaseDurationMs * 3, 20);
    const takeoverMs = third.firstAt('Became leader')! - stoppedAt;
    assert.ok(leader.has('Released leadership'));
    assert.ok(takeoverMs < leaseDurationMs, `took over after ${takeoverMs} ms`);
    await waitFor('third reconciles', async () => third.reconciles().length > 0, 10_000, 50);
    assertNoOverlap(leader, third);
  });
});
