import assert from 'node:assert/strict';
import { decideStatus, probeDue, type DecideInput, type Observation } from '../../../src/controllers/edgehost/decide.js';
import type { ClusterFacts, Probe } from '../../../src/controllers/edgehost/probes.js';
import { EdgeHostReason } from '../../../src/api/edgehost-conditions.js';
import type { EdgeHostStatus } from '../../../src/api/edgehost.js';

const facts: ClusterFacts = {
  kubernetesVersion: 'v1.36.3', nodeCount: 2, readyNodeCount: 2,
  capacity: { cpu: '16', memory: '32Gi' }, allocatable: { cpu: '15', memory: '30Gi' },
};
const up: Observation = { cluster: { ok: true, facts }, repository: { ok: true, facts: null }, mep: undefined, appInstanceCount: 3, addressConflict: undefined };
const noAnswer: Probe<ClusterFacts> = { ok: false, reason: EdgeHostReason.EdgeClusterUnreachable, message: 'No answer', transient: true };
const settings = { intervalMs: 30_000, graceMs: 90_000, retryBaseMs: 1000 };
const t0 = new Date('2026-11-27T10:00:00Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

function decide(overrides: Partial<DecideInput>) {
  return decideStatus({ status: undefined, generation: 1, observation: up, memory: undefined, settings, now: t0, ...overrides });
}
const condition = (status: EdgeHostStatus, type: string) => status.conditions?.find((c) => c.type === type);

describe('EdgeHost decideStatus', () => {
  it('reports a healthy host Ready with its facts and probes again after the interval', () => {
    const d = decide({});
    assert.equal(condition(d.status, 'Ready')?.status, 'True');
    assert.equal(condition(d.status, 'Reachable')?.reason, EdgeHostReason.EdgeClusterReachable);
    assert.equal(d.status.kubernetesVersion, 'v1.36.3');
    assert.equal(d.status.nodeCount, 2);
    assert.deepEqual(d.status.capacity, { cpu: '16', memory: '32Gi' });
    assert.equal(d.status.appInstanceCount, 3);
    assert.equal(d.status.lastContactTime, '2026-11-27T10:00:00Z');
    assert.equal(d.nextProbeMs, 30_000);
    assert.equal(condition(d.status, 'MEPReachable'), undefined, 'no MEP configured, no MEP condition');
  });

  it('writes nothing new when a later probe sees the same (times do not churn)', () => {
    const first = decide({});
    const second = decide({ status: first.status, memory: first.memory, now: at(30) });
    assert.deepEqual(second.status, first.status);
  });

  it('keeps a flaky host Ready within the grace period and probes sooner', () => {
    const first = decide({});
    const failing = decide({ status: first.status, memory: first.memory, observation: { ...up, cluster: noAnswer }, now: at(30) });
    assert.deepEqual(failing.status, first.status, 'no status change inside the grace period');
    assert.equal(failing.nextProbeMs, 1000, 'first retry after the base delay');
    const again = decide({ status: failing.status, memory: failing.memory, observation: { ...up, cluster: noAnswer }, now: at(31) });
    assert.equal(again.nextProbeMs, 2000, 'exponential backoff');
  });

  it('marks the host unreachable once the grace period is over, keeping its last facts', () => {
    const first = decide({});
    let memory = first.memory;
    let status = first.status;
    for (const second of [30, 60, 90]) {
      const d = decide({ status, memory, observation: { ...up, cluster: noAnswer }, now: at(second) });
      ({ memory, status } = d);
    }
    const late = decide({ status, memory, observation: { ...up, cluster: noAnswer }, now: at(121) });
    assert.equal(condition(late.status, 'Reachable')?.status, 'False');
    assert.equal(condition(late.status, 'Reachable')?.reason, EdgeHostReason.EdgeClusterUnreachable);
    assert.equal(condition(late.status, 'Ready')?.reason, EdgeHostReason.EdgeClusterUnreachable);
    assert.match(condition(late.status, 'Ready')!.message, /last contact 2 min ago/);
    assert.equal(late.status.kubernetesVersion, 'v1.36.3');
    assert.equal(late.status.lastContactTime, '2026-11-27T10:00:00Z');
  });

  it('never waits out the grace period past its end', () => {
    const first = decide({});
    const failing = decide({ status: first.status, memory: { ...first.memory, failures: 10 }, observation: { ...up, cluster: noAnswer }, now: at(30) });
    assert.ok(failing.nextProbeMs <= 30_000);
    const nearEnd = decide({ status: failing.status, memory: failing.memory, observation: { ...up, cluster: noAnswer }, now: at(119) });
    assert.equal(nearEnd.nextProbeMs, 1000, 'probe again right when the grace period ends');
  });

  it('shows problems the user must fix at once, grace or not', () => {
    const first = decide({});
    const badSecret: Probe<ClusterFacts> = { ok: false, reason: EdgeHostReason.KubeconfigSecretNotFound, message: 'Secret mecm-system/x does not exist', transient: false };
    const d = decide({ status: first.status, memory: first.memory, observation: { ...up, cluster: badSecret }, now: at(5) });
    assert.equal(condition(d.status, 'Reachable')?.reason, EdgeHostReason.KubeconfigSecretNotFound);
    assert.equal(condition(d.status, 'Ready')?.status, 'False');
  });

  it('reports a host never reached as unreachable without waiting', () => {
    const d = decide({ observation: { ...up, cluster: noAnswer } });
    assert.equal(condition(d.status, 'Reachable')?.status, 'False');
    assert.equal(d.status.lastContactTime, undefined);
  });

  it('is not Ready when the repository or a configured MEP fails, and says which', () => {
    const repo = decide({ observation: { ...up, repository: { ok: false, reason: EdgeHostReason.RepositoryUnauthorized, message: 'refused', transient: false } } });
    assert.equal(condition(repo.status, 'Reachable')?.status, 'True');
    assert.equal(condition(repo.status, 'Ready')?.reason, EdgeHostReason.RepositoryUnauthorized);
    const mep = decide({ observation: { ...up, mep: { ok: false, reason: EdgeHostReason.MEPUnreachable, message: 'no answer', transient: true } } });
    assert.equal(condition(mep.status, 'MEPReachable')?.status, 'False');
    assert.equal(condition(mep.status, 'Ready')?.reason, EdgeHostReason.MEPUnreachable);
    const mepOk = decide({ observation: { ...up, mep: { ok: true, facts: null } } });
    assert.equal(condition(mepOk.status, 'Ready')?.status, 'True');
  });

  it('comes back Ready on its own when the edge answers again', () => {
    const down = decide({ observation: { ...up, cluster: noAnswer } });
    const back = decide({ status: down.status, memory: down.memory, now: at(300) });
    assert.equal(condition(back.status, 'Ready')?.status, 'True');
    assert.equal(back.memory.failures, 0);
    assert.equal(back.nextProbeMs, 30_000);
  });

  it('is not Ready while another host has its address, naming it, whatever the probes say; Ready again once it is its own', () => {
    const conflict = { address: '192.0.2.10', others: ['edge-b', 'edge-c'] };
    for (const observation of [{ ...up, addressConflict: conflict }, { ...up, cluster: noAnswer, addressConflict: conflict }]) {
      const ready = condition(decide({ observation }).status, 'Ready');
      assert.equal(ready?.status, 'False');
      assert.equal(ready?.reason, EdgeHostReason.AddressConflict);
      assert.match(ready!.message, /spec\.address 192\.0\.2\.10 is also the address of EdgeHost edge-b, edge-c/);
    }
    const shared = decide({ observation: { ...up, addressConflict: conflict } });
    assert.equal(condition(shared.status, 'Reachable')?.status, 'True', 'the probes are still reported');
    const own = decide({ status: shared.status, memory: shared.memory, now: at(30) });
    assert.equal(condition(own.status, 'Ready')?.reason, EdgeHostReason.EdgeHostReady);
  });
});

describe('EdgeHost probeDue', () => {
  const scheduled = { memory: { lastContactMs: 0, failingSinceMs: undefined, failures: 0 }, dueMs: 10_000, inputs: '3,ns/kubeconfig@7' };
  const cases: Array<[string, Parameters<typeof probeDue>, ReturnType<typeof probeDue>]> = [
    ['probes a host never probed by this process', [undefined, '3,ns/kubeconfig@7', 5_000], { due: true }],
    ['waits until the due time when nothing it depends on changed', [scheduled, '3,ns/kubeconfig@7', 4_000], { due: false, inMs: 6_000 }],
    ['probes at the due time', [scheduled, '3,ns/kubeconfig@7', 10_000], { due: true }],
    ['probes at once after a spec change', [scheduled, '4,ns/kubeconfig@7', 4_000], { due: true }],
    ['probes at once after a Secret changed', [scheduled, '3,ns/kubeconfig@8', 4_000], { due: true }],
    ['decides at once when another host takes or leaves its address', [scheduled, '3,ns/kubeconfig@7,address:edge-b', 4_000], { due: true }],
  ];
  for (const [name, args, expected] of cases) {
    it(name, () => assert.deepEqual(probeDue(...args), expected));
  }
});
