/**
 * The REST client's connection pool: after a burst it keeps at most a few idle connections,
 * and closes those once they have been unused for a while — a client per EdgeHost must not
 * hold a burst's connections for ever (docs/performance.md).
 */
import assert from 'node:assert/strict';
import { waitFor } from '../../../testenv/src/process.js';
import { type KubeClient, maxIdleSockets } from '../../src/runtime/kube/client.js';
import { startLocalServer, type LocalServer } from '../support/hub-client.js';

describe('KubeClient connection pool', () => {
  let local: LocalServer;
  let client: KubeClient;

  before(async () => {
    // Each answer waits a little, so a burst needs one connection per request.
    local = await startLocalServer((_req, res) => setTimeout(() => res.end('{}'), 50), { name: 'pool', idleSocketMs: 300 });
    client = local.client;
  });

  after(() => local.close());

  it('keeps at most a few connections of a burst, and closes them when idle', async function () {
    this.timeout(10_000);
    let open = 0;
    const burst = Array.from({ length: 12 }, () => client.request({ method: 'GET', path: '/x' }).then(() => { open = Math.max(open, client.socketCount()); }));
    await Promise.all(burst);
    assert.ok(open > maxIdleSockets, `the burst used ${open} connections`);
    await waitFor('the burst\'s extra connections closed', async () => client.socketCount() <= maxIdleSockets, 2000, 10);
    await waitFor('idle connections closed', async () => client.socketCount() === 0, 5000, 20);
    await client.request({ method: 'GET', path: '/x' });
    assert.equal(client.socketCount(), 1, 'a request after that opens one again');
  });
});
