/**
 * The OCI client against a registry that is out to get us (a small HTTP server playing the
 * attacker; the honest paths run against the real CNCF distribution in oci.test.ts):
 * credentials only after a challenge, token realms only over TLS, references checked before
 * they reach a URL, no response text in errors, capped answers, total deadlines, pinned digests.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyImage } from '../../src/oci/copy.js';
import { parseReference } from '../../src/oci/reference.js';
import { Registry, RegistryError } from '../../src/oci/registry.js';
import { makeCa, makeSigner } from '../csar/support/pki.js';

type Route = (req: IncomingMessage, res: ServerResponse) => void;

interface Fake {
  readonly url: string;
  readonly seen: Array<{ method: string; path: string; authorization: string | undefined }>;
  close(): Promise<void>;
}

async function fake(route: Route, tls?: { key: string; cert: string }): Promise<Fake> {
  const seen: Fake['seen'] = [];
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    seen.push({ method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization });
    route(req, res);
  };
  const server: Server = tls ? createHttpsServer(tls, handler) : createHttpServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`, seen,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof Error);
    return error;
  }
  assert.fail('did not fail');
}

const credentials = { username: 'robot', password: 'pa55-word' };
const basic = `Basic ${Buffer.from('robot:pa55-word').toString('base64')}`;

describe('OCI client against a hostile registry', () => {
  const open: Fake[] = [];
  afterEach(async () => { for (const f of open.splice(0)) await f.close(); });
  const start = async (route: Route, tls?: { key: string; cert: string }) => { const f = await fake(route, tls); open.push(f); return f; };

  it('sends no credentials until the registry asks, then Basic to that registry', async () => {
    const anonymous = await start((_req, res) => res.writeHead(200).end());
    const one = new Registry({ baseUrl: anonymous.url, credentials });
    await one.ping();
    one.close();
    assert.deepEqual(anonymous.seen.map((s) => s.authorization), [undefined]);

    const guarded = await start((req, res) => {
      if (req.headers.authorization === basic) res.writeHead(200).end();
      else res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="r"' }).end();
    });
    const two = new Registry({ baseUrl: guarded.url, credentials });
    await two.ping();
    await two.ping();
    two.close();
    assert.deepEqual(guarded.seen.map((s) => s.authorization), [undefined, basic, basic]);
  });

  it('sends credentials to a token realm only over https (unless the registry itself is plain http)', async function () {
    this.timeout(20_000);
    const dir = await mkdtemp(join(tmpdir(), 'oci-tls-'));
    try {
      const ca = await makeCa(dir, 'test-ca');
      const server = await makeSigner(dir, ca, 'registry', 'keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1');
      const tls = { key: await readFile(server.key, 'utf8'), cert: server.pem };
      const thief = await start((_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"token":"t"}'));
      const registry = await start((_req, res) => res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="${thief.url}/token",service="s"` }).end(), tls);
      const client = new Registry({ baseUrl: registry.url, credentials, caPem: ca.pem });
      const error = await failure(client.ping());
      client.close();
      assert.match(error.message, /token realm that is not https/);
      assert.equal(thief.seen.length, 0, 'the plain-http realm got nothing');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('checks tags, digests and repository paths before they reach a URL', async () => {
    for (const bad of ['r.example/x/../../admin?y=', 'r.example/repo:../../admin', 'r.example/repo:tag?x=1', 'r.example/repo:' + 'a'.repeat(129),
      'r.example/Repo:1', 'r.ex ample/repo:1', 'r.example/repo@sha256:../../x', 'user@r.example/repo:1', 'r.example/repo:tag#frag']) {
      assert.throws(() => parseReference(bad), Error, bad);
    }
    assert.deepEqual(parseReference('r.example:5000/a/b:1.0@sha256:' + 'a'.repeat(64)),
      { host: 'r.example:5000', repository: 'a/b', reference: 'sha256:' + 'a'.repeat(64) }, 'a pinned digest wins over the tag');
    const registry = await start((_req, res) => res.writeHead(200).end());
    const client = new Registry({ baseUrl: registry.url });
    await failure(client.getManifest('repo', '../../v2/_catalog'));
    await failure(client.getManifest('../admin', 'latest'));
    await failure(client.hasBlob('repo', 'sha256:xyz'));
    client.close();
    assert.equal(registry.seen.length, 0, 'no request left');
  });

  it('never puts the registry\'s answer text in an error, nor credentials', async () => {
    const registry = await start((req, res) => {
      if (!req.headers.authorization) res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="r"' }).end();
      else res.writeHead(500).end('<html>internal secrets: db=10.1.2.3 password=hunter2</html>');
    });
    const client = new Registry({ baseUrl: registry.url, credentials });
    const error = await failure(client.getManifest('repo', '1.0'));
    client.close();
    assert.ok(error instanceof RegistryError);
    assert.equal(error.status, 500);
    assert.doesNotMatch(error.message, /hunter2|secrets|10\.1\.2\.3|pa55-word|robot/);
  });

  it('refuses oversized answers and upload locations on other hosts', async () => {
    const huge = await start((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' });
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      for (let i = 0; i < 6; i += 1) res.write(chunk);
      res.end();
    });
    const big = new Registry({ baseUrl: huge.url });
    assert.match((await failure(big.getManifest('repo', '1.0'))).message, /larger than 4194304 bytes/);
    big.close();

    const redirecting = await start((_req, res) => res.writeHead(202, { Location: 'http://169.254.169.254/latest/meta-data' }).end());
    const client = new Registry({ baseUrl: redirecting.url });
    assert.match((await failure(client.pushBlob('repo', `sha256:${'0'.repeat(64)}`, Buffer.from('x')))).message, /upload location on another host/);
    client.close();
  });

  it('gives up on a registry that trickles its answer, at the total deadline', async function () {
    this.timeout(10_000);
    const slow = await start((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const timer = setInterval(() => res.write(' '), 50);
      res.on('close', () => clearInterval(timer));
    });
    const client = new Registry({ baseUrl: slow.url, timeoutMs: 1000, deadlineMs: 500 });
    const started = Date.now();
    const error = await failure(client.getManifest('repo', '1.0'));
    client.close();
    assert.match(error.message, /did not finish within 500 ms/);
    assert.ok(Date.now() - started < 3000);
  });

  it('keeps a pinned digest pinned: a manifest that does not hash to it is refused', async () => {
    const honest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { digest: `sha256:${'1'.repeat(64)}`, size: 1 }, layers: [] }));
    const pinned = `sha256:${createHash('sha256').update(honest).digest('hex')}`;
    const liar = await start((_req, res) => res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' })
      .end(Buffer.from(JSON.stringify({ schemaVersion: 2, config: { digest: `sha256:${'2'.repeat(64)}`, size: 1 }, layers: [] }))));
    const target = await start((_req, res) => res.writeHead(500).end());
    const source = new Registry({ baseUrl: liar.url });
    const sink = new Registry({ baseUrl: target.url });
    const error = await failure(copyImage(source, 'app', pinned, sink, 'app', pinned));
    source.close();
    sink.close();
    assert.match(error.message, /digest is not sha256:/);
    assert.equal(target.seen.length, 0, 'nothing was pushed');
  });

  it('refuses a manifest whose descriptors are not digests', async () => {
    const registry = await start((_req, res) => res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' })
      .end(JSON.stringify({ schemaVersion: 2, config: { digest: '../../../v2/_catalog', size: 1 }, layers: [] })));
    const target = await start((_req, res) => res.writeHead(500).end());
    const source = new Registry({ baseUrl: registry.url });
    const sink = new Registry({ baseUrl: target.url });
    assert.match((await failure(copyImage(source, 'app', '1.0', sink, 'app', '1.0'))).message, /malformed digest/);
    source.close();
    sink.close();
    assert.equal(target.seen.length, 0);
  });
});
