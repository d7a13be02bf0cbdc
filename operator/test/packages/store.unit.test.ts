/** The package cache: bounded by size, least recently used first, never what is in use; scratch made anew. */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PackageStore } from '../../src/packages/store.js';

const sha = (c: string) => c.repeat(64);

describe('PackageStore cache', () => {
  let dir: string;

  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'store-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  async function cached(store: PackageStore, digest: string, size: number, usedMinutesAgo: number): Promise<void> {
    await mkdir(store.cacheDir, { recursive: true });
    const file = join(store.cacheDir, `${digest}.csar`);
    await writeFile(file, Buffer.alloc(size));
    const when = new Date(Date.now() - usedMinutesAgo * 60_000);
    await utimes(file, when, when);
  }

  it('evicts unused downloads, oldest use first, until under the cap', async () => {
    const store = new PackageStore(dir, { maxCacheBytes: 250 });
    await cached(store, sha('a'), 100, 60);
    await cached(store, sha('b'), 100, 50);
    await cached(store, sha('c'), 100, 40);
    await cached(store, sha('d'), 100, 30);
    const evicted = await store.evict(new Set([sha('a')]));
    assert.deepEqual(evicted, [sha('b'), sha('c')], 'a is in use; b and c were least recently used');
    assert.deepEqual((await readdir(store.cacheDir)).sort(), [`${sha('a')}.csar`, `${sha('d')}.csar`]);
  });

  it('keeps what is in use or was just used even past the cap, and does nothing without a cap', async () => {
    const capped = new PackageStore(dir, { maxCacheBytes: 10 });
    await cached(capped, sha('a'), 100, 60);
    await cached(capped, sha('b'), 100, 1);
    assert.deepEqual(await capped.evict(new Set([sha('a')])), []);
    assert.deepEqual(await new PackageStore(dir).evict(new Set()), []);
  });

  it('removes scratch left by an earlier process before the first package is opened', async () => {
    const store = new PackageStore(dir);
    await mkdir(join(dir, 'scratch', 'stale'), { recursive: true });
    await writeFile(join(dir, 'scratch', 'stale', 'chart.tgz'), 'x');
    await assert.rejects(store.open(sha('e'), join(dir, 'missing.csar')));
    assert.deepEqual(await readdir(join(dir, 'scratch')), [sha('e')]);
  });
});
