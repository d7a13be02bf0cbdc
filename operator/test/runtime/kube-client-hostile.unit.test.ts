/**
 * The REST client against an API server that misbehaves (an edge cluster is only as honest as
 * whoever runs it): an answer that trickles in is cut at the request timeout, a huge one at
 * the size cap — neither can hold a worker or fill memory.
 */
import assert from 'node:assert/strict';
import { type KubeClient, maxResponseBytes } from '../../src/runtime/kube/client.js';
import { TransportError } from '../../src/runtime/kube/errors.js';
import { startLocalServer, type LocalServer } from '../support/hub-client.js';

describe('KubeClient against a misbehaving API server', () => {
  let local: LocalServer;
  let client: KubeClient;

  before(async () => {
    local = await startLocalServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      if (req.url?.startsWith('/trickle')) {
        const timer = setInterval(() => res.write(' '), 50);
        res.on('close', () => clearInterval(timer));
      } else {
        const chunk = Buffer.alloc(8 * 1024 * 1024, 0x20);
        let sent = 0;
        const more = () => {
          while (sent <= maxResponseBytes && res.write(chunk)) sent += chunk.length;
          if (sent <= maxResponseBytes) res.once('drain', () => { sent += chunk.length; more(); });
          else res.end('{}');
        };
        more();
      }
    }, { name: 'hostile', timeoutMs: 700 });
    client = local.client;
  });

  after(() => local.close());

  it('cuts an answer that trickles in at the request timeout', async function () {
    this.timeout(10_000);
    const started = Date.now();
    await assert.rejects(client.request({ method: 'GET', path: '/trickle' }), (error: unknown) =>
      error instanceof TransportError && error.timedOut && /did not finish within 700 ms/.test(error.message));
    assert.ok(Date.now() - started < 3000);
  });

  it('refuses an answer larger than the cap', async function () {
    this.timeout(30_000);
    await assert.rejects(client.request({ method: 'GET', path: '/huge', timeoutMs: 20_000 }), (error: unknown) =>
      error instanceof TransportError && error.code === 'ERESPONSETOOLARGE');
  });
});
