/**
 * The rollout decision (controllers/appdeployment/rollout.ts): table cases for each step, and a
 * simulation checked with fast-check — whatever the fleet size, budget, wave order and timing,
 * no more than maxUnavailable hosts are ever not Ready, each host is written once per revision,
 * a good revision reaches every host, and a bad one stops after its first wave.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { AppDeploymentWave } from '../../src/api/appdeployment.js';
import { decideRollout, type RolloutAction, type RolloutHost, type RolloutInput } from '../../src/controllers/appdeployment/rollout.js';

const t0 = new Date('2026-12-01T10:00:00Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
const iso = (seconds: number) => at(seconds).toISOString().replace(/\.\d{3}Z$/, 'Z');

const ours = (name: string, revision: string | undefined, ready: boolean, stalled = false): RolloutHost =>
  ({ name, instance: { kind: 'Ours', view: { name: `d-${name}`, revision, ready, stalled } } });
const absent = (name: string): RolloutHost => ({ name, instance: { kind: 'Absent' } });

function input(overrides: Partial<RolloutInput>): RolloutInput {
  return {
    revision: 'v2', hosts: [], wave: undefined, failedHosts: [], recordedRevision: 'v2', maxUnavailable: 2, paused: false,
    gateTimeoutMs: 60_000, bakeMs: 0, pauseMs: 0, failureThreshold: 1, now: t0, ...overrides,
  };
}

describe('AppDeployment rollout decision', () => {
  it('records the first wave (and nothing else) before any instance exists, at most maxUnavailable hosts', () => {
    const d = decideRollout(input({ hosts: ['a', 'b', 'c', 'd', 'e'].map(absent) }));
    assert.deepEqual(d.action, { kind: 'StartWave', wave: { number: 1, revision: 'v2', hosts: ['a', 'b'], startTime: iso(0) } });
    assert.deepEqual(d.wave, (d.action as Extract<RolloutAction, { kind: 'StartWave' }>).wave);
  });

  it('updates the recorded wave\'s hosts that are not on the revision yet, and only those', () => {
    const wave: AppDeploymentWave = { number: 1, revision: 'v2', hosts: ['a', 'b'], startTime: iso(0) };
    const d = decideRollout(input({ hosts: [ours('a', 'v2', false), absent('b'), absent('c')], wave, now: at(1) }));
    assert.deepEqual(d.action, { kind: 'UpdateInstances', hosts: ['b'] });
  });

  it('waits for the wave until its instances are Ready, then for the bake time, then starts the next wave', () => {
    const wave: AppDeploymentWave = { number: 1, revision: 'v2', hosts: ['a', 'b'], startTime: iso(0) };
    const hosts = [ours('a', 'v2', true), ours('b', 'v2', false), ours('c', 'v1', true)];
    const waiting = decideRollout(input({ hosts, wave, now: at(5), bakeMs: 10_000 }));
    assert.equal(waiting.action.kind, 'Wait');
    assert.deepEqual(waiting.action, { kind: 'Wait', reason: 'WaveInProgress', afterMs: 55_000 });
    const allReady = [ours('a', 'v2', true), ours('b', 'v2', true), ours('c', 'v1', true)];
    const baking = decideRollout(input({ hosts: allReady, wave, now: at(6), bakeMs: 10_000 }));
    assert.deepEqual(baking.action, { kind: 'Wait', reason: 'Baking', afterMs: 10_000 });
    assert.equal(baking.wave?.readyTime, iso(6));
    const next = decideRollout(input({ hosts: allReady, wave: baking.wave, now: at(16), bakeMs: 10_000 }));
    assert.deepEqual(next.action, { kind: 'StartWave', wave: { number: 2, revision: 'v2', hosts: ['c'], startTime: iso(16) } });
  });

  it('pauses between waves for pauseBetweenWaves after a wave passed its gate', () => {
    const wave: AppDeploymentWave = { number: 1, revision: 'v2', hosts: ['a'], startTime: iso(0), readyTime: iso(3), completionTime: iso(3) };
    const d = decideRollout(input({ hosts: [ours('a', 'v2', true), ours('b', 'v1', true)], wave, now: at(10), pauseMs: 30_000 }));
    assert.deepEqual(d.action, { kind: 'Wait', reason: 'WaitingBetweenWaves', afterMs: 23_000 });
  });

  it('fails the gate of a host not Ready by the timeout, or Stalled before it, and pauses naming the hosts', () => {
    const wave: AppDeploymentWave = { number: 1, revision: 'v3', hosts: ['a', 'b'], startTime: iso(0) };
    const hosts = [ours('a', 'v3', false), ours('b', 'v3', false), ours('c', 'v2', true)];
    assert.equal(decideRollout(input({ revision: 'v3', hosts, wave, now: at(59), failureThreshold: 1 })).action.kind, 'Wait');
    const late = decideRollout(input({ revision: 'v3', hosts, wave, now: at(60), failureThreshold: 1 }));
    assert.deepEqual(late.action, { kind: 'Paused', reason: 'GateFailed', hosts: ['a', 'b'] });
    assert.deepEqual(late.failedHosts, ['a', 'b']);
    const stalled = decideRollout(input({ revision: 'v3', hosts: [ours('a', 'v3', false, true), ours('b', 'v3', false), ours('c', 'v2', true)], wave, now: at(2) }));
    assert.deepEqual(stalled.action, { kind: 'Paused', reason: 'GateFailed', hosts: ['a'] });
  });

  it('stays paused on a failed revision, and a new revision (the revert) starts with the failed hosts, at no extra cost', () => {
    const wave: AppDeploymentWave = { number: 1, revision: 'v3', hosts: ['a', 'b'], startTime: iso(0) };
    const hosts = [ours('a', 'v3', false), ours('b', 'v3', false), ours('c', 'v2', true), ours('d', 'v2', true)];
    const still = decideRollout(input({ revision: 'v3', recordedRevision: 'v3', failedHosts: ['a', 'b'], hosts, wave, now: at(500) }));
    assert.deepEqual(still.action, { kind: 'Paused', reason: 'GateFailed', hosts: ['a', 'b'] });
    const revert = decideRollout(input({ revision: 'v2', recordedRevision: 'v3', failedHosts: ['a', 'b'], hosts, wave, now: at(501) }));
    assert.deepEqual(revert.action, { kind: 'StartWave', wave: { number: 1, revision: 'v2', hosts: ['a', 'b'], startTime: iso(501) } });
    assert.deepEqual(revert.failedHosts, []);
  });

  it('below the failure threshold a failed host is accepted, keeps using the budget, and the rollout goes on', () => {
    const wave: AppDeploymentWave = { number: 1, revision: 'v2', hosts: ['a', 'b'], startTime: iso(0) };
    const hosts = [ours('a', 'v2', false), ours('b', 'v2', true), ours('c', 'v1', true), ours('d', 'v1', true)];
    const d = decideRollout(input({ hosts, wave, now: at(61), failureThreshold: 2 }));
    assert.deepEqual(d.failedHosts, ['a']);
    // a is not Ready: one of the two places is taken.
    assert.deepEqual(d.action, { kind: 'StartWave', wave: { number: 2, revision: 'v2', hosts: ['c'], startTime: iso(61) } });
  });

  it('counts hosts not Ready for any reason against maxUnavailable, and updates those first', () => {
    const hosts = [ours('a', 'v1', true), ours('b', 'v1', false), ours('c', 'v1', true), ours('d', 'v2', false), ours('e', 'v1', true)];
    const d = decideRollout(input({ hosts, maxUnavailable: 3 }));
    assert.deepEqual(d.action, { kind: 'StartWave', wave: { number: 1, revision: 'v2', hosts: ['b', 'a'], startTime: iso(0) } });
    const full = decideRollout(input({ hosts: [ours('a', 'v1', true), ours('b', 'v2', false), ours('c', 'v2', false)], maxUnavailable: 2 }));
    assert.deepEqual(full.action, { kind: 'Wait', reason: 'WaitingForAvailability', afterMs: undefined });
  });

  it('leaves hosts that already run the revision alone: a revert to it needs no write there', () => {
    const d = decideRollout(input({ revision: 'v1', recordedRevision: 'v2', hosts: [ours('a', 'v1', true), ours('b', 'v2', true), ours('c', 'v1', true)] }));
    assert.deepEqual(d.action, { kind: 'StartWave', wave: { number: 1, revision: 'v1', hosts: ['b'], startTime: iso(0) } });
    assert.deepEqual(decideRollout(input({ hosts: [ours('a', 'v2', true)] })).action, { kind: 'Complete' });
  });

  it('does nothing while paused by hand, and never touches a host whose instance name is taken', () => {
    assert.deepEqual(decideRollout(input({ paused: true, hosts: [absent('a')] })).action, { kind: 'Paused', reason: 'ManuallyPaused' });
    const conflict: RolloutHost = { name: 'a', instance: { kind: 'Conflict' } };
    assert.deepEqual(decideRollout(input({ hosts: [conflict] })).action, { kind: 'Complete' });
  });

  /** A fleet simulated around the decision: instances become Ready after a while, unless the revision is bad. */
  it('simulated rollouts never exceed maxUnavailable, write each host once per revision, and stop a bad revision after one wave', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 8 }), fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 30, maxLength: 30 }),
      fc.boolean(), fc.integer({ min: 0, max: 3 }),
      (count, maxUnavailable, readyDelays, badSecond, pauseSteps) => {
        interface SimHost { name: string; revision: string | undefined; ready: boolean; readyAt: number; writes: Map<string, number> }
        const fleet: SimHost[] = Array.from({ length: count }, (_, i) => ({ name: `h${String(i).padStart(2, '0')}`, revision: undefined, ready: false, readyAt: 0, writes: new Map() }));
        let wave: AppDeploymentWave | undefined;
        let failed: readonly string[] = [];
        let recorded: string | undefined;
        let step = 0;
        const rollout = (revision: string, good: boolean): RolloutAction => {
          for (let guard = 0; guard < 2000; guard += 1) {
            step += 1;
            for (const h of fleet) if (h.revision !== undefined && !h.ready && good && step >= h.readyAt) h.ready = true;
            const hosts = fleet.map((h) => h.revision === undefined && h.writes.size === 0 ? absent(h.name) : ours(h.name, h.revision, h.ready));
            const notReady = hosts.filter((h) => h.instance.kind === 'Ours' && !h.instance.view.ready).length;
            assert.ok(notReady <= maxUnavailable, `${notReady} hosts not Ready with maxUnavailable ${maxUnavailable}`);
            const d = decideRollout(input({
              revision, recordedRevision: recorded, hosts, wave, failedHosts: failed, maxUnavailable, pauseMs: pauseSteps * 1000,
              gateTimeoutMs: 10_000, now: at(step),
            }));
            wave = d.wave;
            failed = d.failedHosts;
            recorded = revision;
            const action = d.action;
            if (action.kind === 'Complete' || action.kind === 'Paused') return action;
            if (action.kind === 'UpdateInstances') {
              for (const name of action.hosts) {
                const h = fleet.find((f) => f.name === name)!;
                h.revision = revision;
                h.ready = false;
                h.readyAt = step + readyDelays[fleet.indexOf(h)]!;
                h.writes.set(revision, (h.writes.get(revision) ?? 0) + 1);
              }
            }
          }
          throw new Error('the rollout did not end');
        };
        assert.equal(rollout('v1', true).kind, 'Complete');
        assert.ok(fleet.every((h) => h.revision === 'v1' && h.ready));
        const second = rollout('v2', !badSecond);
        for (const h of fleet) assert.ok((h.writes.get('v1') ?? 0) === 1 && (h.writes.get('v2') ?? 0) <= 1, `${h.name} written once per revision`);
        if (!badSecond) {
          assert.equal(second.kind, 'Complete');
          assert.ok(fleet.every((h) => h.revision === 'v2'));
        } else {
          assert.equal(second.kind, 'Paused');
          const onV2 = fleet.filter((h) => h.revision === 'v2').length;
          assert.equal(onV2, Math.min(count, maxUnavailable), 'only the first wave took the bad revision');
          assert.equal(wave?.number, 1);
        }
      },
    ), { numRuns: 200 });
  });
});
