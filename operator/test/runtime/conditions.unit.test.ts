import assert from 'node:assert/strict';
import { removeCondition, rfc3339, setCondition, type Condition } from '../../src/runtime/conditions.js';

const t0 = new Date('2026-01-01T00:00:00.123Z');
const t1 = new Date('2026-01-01T00:05:00Z');
const ready = { type: 'Ready', status: 'True', reason: 'Succeeded', message: 'ok', observedGeneration: 1 } as const;

describe('conditions', () => {
  it('adds a condition with a second-precision transition time', () => {
    const out = setCondition([], ready, t0);
    assert.deepEqual(out, [{ ...ready, lastTransitionTime: '2026-01-01T00:00:00Z' }]);
  });

  it('returns the same array when nothing changes, so no write is needed', () => {
    const once = setCondition([], ready, t0);
    assert.equal(setCondition(once, ready, t1), once);
  });

  it('keeps lastTransitionTime when only reason or message change', () => {
    const once = setCondition([], ready, t0);
    const twice = setCondition(once, { ...ready, message: 'still ok', observedGeneration: 2 }, t1);
    assert.notEqual(twice, once);
    assert.equal(twice[0]!.lastTransitionTime, rfc3339(t0));
    assert.equal(twice[0]!.message, 'still ok');
  });

  it('moves lastTransitionTime when the status flips, leaving other conditions alone', () => {
    const other: Condition = { type: 'Reachable', status: 'True', reason: 'Ok', message: '', lastTransitionTime: 'x' };
    const out = setCondition([other, ...setCondition([], ready, t0)], { ...ready, status: 'False', reason: 'Failed' }, t1);
    assert.equal(out[0], other);
    assert.equal(out[1]!.lastTransitionTime, rfc3339(t1));
  });

  it('removes a condition, or returns the same array when absent', () => {
    const once = setCondition([], ready, t0);
    assert.deepEqual(removeCondition(once, 'Ready'), []);
    assert.equal(removeCondition(once, 'Stalled'), once);
  });
});
