/** The package download against the appstore simulator: cache, resume, limits, digests, errors. */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppstoreSimulator } from '../../../testenv/src/appstore-simulator.js';
import { download, DownloadError, retryAfterMs } from '../../src/packages/download.js';
import { dispositionOf } from '../../src/runtime/reconcile.js';

const file = randomBytes(256 * 1024);
const digest = createHash('sha256').update(file).digest('hex');

describe('Package download', () => {
  let store: AppstoreSimulator;
  let cacheDir: string;
  const url = () => `${store.url}/mec/appstore/v1/apps/app1/packages/pkg1/action/download?isDownloadImage=false`;
  const base = () => ({ url: url(), headers: { access_token: 'tok' }, maxBytes: 1024 * 1024, cacheDir, timeoutMs: 5000 });

  beforeEach(async () => {
    store = await AppstoreSimulator.start({ token: 'tok' });
    await store.addPackage({ appId: 'app1', packageId: 'pkg1', name: 'demo', version: '1.0', provider: 'test', file });
    cacheDir = await mkdtemp(join(tmpdir(), 'download-'));
  });

  afterEach(async () => {
    await store.stop();
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('downloads into the cache under its digest and reuses it next time', async () => {
    const first = await download({ ...base(), expectedSha256: digest });
    assert.deepEqual([first.sha256, first.size, first.cached], [digest, file.length, false]);
    assert.deepEqual(await readFile(first.file), file);
    const again = await download({ ...base(), expectedSha256: digest });
    assert.equal(again.cached, true);
    assert.equal(store.downloads.length, 1, 'no second download');
  });

  it('reuses a digest downloaded before (a restart) without fetching again', async () => {
    await download(base());
    const again = await download({ ...base(), knownSha256: digest });
    assert.equal(again.cached, true);
    assert.equal(store.downloads.length, 1);
  });

  it('asks the source for a cached digest when the requester cannot reuse it: a refused account gets nothing', async () => {
    await download({ ...base(), expectedSha256: digest });
    store.grant('other-tenant', ['app2']);
    await assert.rejects(download({ ...base(), headers: { access_token: 'other-tenant' }, expectedSha256: digest, reuseCached: false }),
      (e: unknown) => e instanceof DownloadError && e.reason === 'SourceRefused' && !e.transient && /HTTP 403/.test(e.message));
    store.grant('other-tenant', ['app1', 'app2']);
    const allowed = await download({ ...base(), headers: { access_token: 'other-tenant' }, expectedSha256: digest, reuseCached: false });
    assert.deepEqual([allowed.sha256, allowed.cached], [digest, false]);
    assert.deepEqual(await readFile(allowed.file), file, 'the cached file is intact');
    assert.equal(store.downloads.length, 2, 'fetched again for the second account');
  });

  it('resumes an interrupted download with a Range request', async () => {
    store.truncateNextDownload(100_000);
    await assert.rejects(download(base()), (e: unknown) => e instanceof DownloadError && e.reason === 'Interrupted' && e.transient);
    const done = await download(base());
    assert.equal(done.sha256, digest);
    const [firstTry, resumed] = store.downloads.map((d) => d.range);
    assert.equal(firstTry, undefined);
    const offset = Number(/^bytes=(\d+)-$/.exec(resumed ?? '')?.[1]);
    assert.ok(offset > 0 && offset <= 100_000, `resumed from byte ${offset}, what had arrived`);
  });

  it('refuses a package over the size limit and leaves nothing behind', async () => {
    await assert.rejects(download({ ...base(), maxBytes: 1000 }), (e: unknown) => e instanceof DownloadError && e.reason === 'PackageTooLarge' && !e.transient);
    assert.deepEqual(await readdir(join(cacheDir, 'partial')), []);
  });

  it('refuses a digest other than the expected one', async () => {
    await assert.rejects(download({ ...base(), expectedSha256: 'a'.repeat(64) }),
      (e: unknown) => e instanceof DownloadError && e.reason === 'DigestMismatch' && e.message.includes(digest));
  });

  it('tells refused, missing, failing and unreachable sources apart', async () => {
    await assert.rejects(download({ ...base(), headers: { access_token: 'wrong' } }), (e: unknown) => e instanceof DownloadError && e.reason === 'SourceRefused' && !e.transient);
    await assert.rejects(download({ ...base(), url: url().replace('pkg1', 'nope') }), (e: unknown) => e instanceof DownloadError && e.reason === 'SourceNotFound');
    store.failNext(1, 503);
    await assert.rejects(download(base()), (e: unknown) => e instanceof DownloadError && e.reason === 'SourceError' && e.transient);
    await assert.rejects(download({ ...base(), url: 'http://127.0.0.1:9/x' }), (e: unknown) => e instanceof DownloadError && e.reason === 'SourceUnreachable' && e.transient);
    assert.doesNotMatch(JSON.stringify(store.downloads), /tok/);
  });

  it('stops an attempt at its total deadline however slowly bytes keep coming, and resumes from what arrived', async function () {
    this.timeout(10_000);
    const trickle = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Length': String(file.length) });
      let sent = 0;
      const timer = setInterval(() => { res.write(file.subarray(sent, sent + 1024)); sent += 1024; }, 20);
      res.on('close', () => clearInterval(timer));
    });
    await new Promise<void>((resolve) => trickle.listen(0, '127.0.0.1', resolve));
    try {
      const started = Date.now();
      const slowUrl = `http://127.0.0.1:${(trickle.address() as AddressInfo).port}/package.csar`;
      await assert.rejects(download({ ...base(), url: slowUrl, timeoutMs: 5000, deadlineMs: 400 }),
        (error: unknown) => error instanceof DownloadError && error.reason === 'Interrupted' && error.transient);
      assert.ok(Date.now() - started < 3000, 'cut at the deadline, not at the idle timeout');
      const partials = await readdir(join(cacheDir, 'partial'));
      assert.equal(partials.length, 1, 'what arrived is kept for the resume');
    } finally {
      trickle.closeAllConnections();
      await new Promise((resolve) => trickle.close(resolve));
    }
  });

  it('comes back when a busy source says (Retry-After), which the runtime honours', async () => {
    const busy = createServer((_req, res) => res.writeHead(503, { 'Retry-After': '7' }).end());
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    try {
      const error = await download({ ...base(), url: `http://127.0.0.1:${(busy.address() as AddressInfo).port}/p.csar` }).then(() => undefined, (e: unknown) => e);
      assert.ok(error instanceof DownloadError && error.transient);
      assert.equal(error.retryAfterMs, 7000);
      assert.deepEqual(dispositionOf(error), { kind: 'RetryAfter', ms: 7000 });
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
    const now = Date.parse('2026-12-01T10:00:00Z');
    assert.equal(retryAfterMs('Tue, 01 Dec 2026 10:00:30 GMT', now), 30_000);
    assert.equal(retryAfterMs('0', now), 1000, 'never sooner than a second');
    assert.equal(retryAfterMs('99999', now), 600_000, 'never later than ten minutes');
    assert.equal(retryAfterMs('soon', now), undefined);
  });
});
