import assert from 'node:assert/strict';
import { backoffDelay, KeyedBackoff } from '../../src/runtime/backoff.js';
import { WorkQueue } from '../../src/runtime/workqueue.js';

describe('WorkQueue', () => {
  it('collapses duplicate adds of a queued key', async () => {
    const queue = new WorkQueue<string>();
    queue.add('a');
    queue.add('b');
    queue.add('a');
    assert.equal(queue.length, 2);
    assert.equal(await queue.get(), 'a');
    assert.equal(await queue.get(), 'b');
    assert.equal(queue.length, 0);
  });

  it('runs a key added while in flight once more, after done, never concurrently', async () => {
    const queue = new WorkQueue<string>();
    queue.add('a');
    const first = await queue.get();
    queue.add('a');
    queue.add('a');
    assert.equal(queue.length, 0, 'not handed out while in flight');
    queue.done(first!);
    assert.equal(queue.length, 1);
    assert.equal(await queue.get(), 'a');
    queue.done('a');
    assert.equal(queue.length, 0);
  });

  it('hands a key to a worker already waiting', async () => {
    const queue = new WorkQueue<string>();
    const waiting = queue.get();
    queue.add('x');
    assert.equal(await waiting, 'x');
    assert.equal(queue.inFlight, 1);
  });

  it('delays keys with addAfter, keeping the earliest pending time', async () => {
    const queue = new WorkQueue<string>();
    const start = Date.now();
    queue.addAfter('k', 1000);
    queue.addAfter('k', 30);
    assert.equal(await queue.get(), 'k');
    assert.ok(Date.now() - start < 900, 'the earlier delay won');
  });

  it('backs off per key exponentially and forgets on success', () => {
    const queue = new WorkQueue<string>({ baseMs: 10, capMs: 50 });
    assert.deepEqual([queue.addRateLimited('k'), queue.addRateLimited('k'), queue.addRateLimited('k'), queue.addRateLimited('k')], [10, 20, 40, 50]);
    assert.equal(queue.addRateLimited('other'), 10, 'keys back off independently');
    queue.forget('k');
    assert.equal(queue.failures('k'), 0);
    queue.shutDown();
  });

  it('answers waiting workers with undefined on shut down and drains in-flight work', async () => {
    const queue = new WorkQueue<string>();
    queue.add('busy');
    const key = await queue.get();
    const idle = queue.get();
    let drained = false;
    const draining = queue.drain().then(() => { drained = true; });
    assert.equal(await idle, undefined);
    await Promise.resolve();
    assert.equal(drained, false, 'drain waits for the key in flight');
    queue.add('late');
    assert.equal(queue.length, 0, 'adds after shut down are ignored');
    queue.done(key!);
    await draining;
    assert.equal(drained, true);
  });
});

describe('backoff', () => {
  it('doubles from the base up to the cap and adds bounded jitter', () => {
    const options = { baseMs: 100, capMs: 1000 };
    assert.deepEqual([0, 1, 2, 3, 4, 10].map((n) => backoffDelay(n, options)), [100, 200, 400, 800, 1000, 1000]);
    assert.equal(backoffDelay(1, { ...options, jitter: 0.5 }, () => 1), 300);
    assert.equal(backoffDelay(9, { ...options, jitter: 0.5 }, () => 1), 1000, 'jitter never passes the cap');
  });

  it('counts failures per key', () => {
    const backoff = new KeyedBackoff<string>({ baseMs: 1, capMs: 8 });
    backoff.next('a');
    backoff.next('a');
    assert.equal(backoff.failuresOf('a'), 2);
    assert.equal(backoff.failuresOf('b'), 0);
  });
});

describe('TokenBucket', () => {
  it('lets a burst through, then spaces requests at the rate', async () => {
    const { TokenBucket } = await import('../../src/runtime/ratelimit.js');
    const bucket = new TokenBucket(10, 3);
    const t = Date.now();
    assert.deepEqual([bucket.reserve(t), bucket.reserve(t), bucket.reserve(t)], [0, 0, 0]);
    assert.equal(bucket.reserve(t), 100, 'the 4th waits one token (100 ms at 10 qps)');
    assert.equal(bucket.reserve(t), 200, 'the 5th waits behind it');
    assert.equal(bucket.reserve(t + 1000), 0, 'tokens come back over time');
  });
});
