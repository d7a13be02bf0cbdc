/**
 * Impersonation in the edge client cache, seen on the wire: a loopback HTTP server records the
 * headers of each request (what a tenant's identity is authorized as is the API server's job;
 * operator/test/lcm/tenant-identity.test.ts shows that on a real edge). The kubeconfig's own
 * client never carries Impersonate-* headers, however many identities are in use beside it;
 * an identity's client carries exactly its user and every group, and shares the kubeconfig's
 * connections.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import yaml from 'js-yaml';
import { EdgeClients } from '../../src/edge/clients.js';
import { edgeIdentity } from '../../src/tenancy/identity.js';

describe('EdgeClients with impersonation', function () {
  let server: Server;
  let kubeconfig: string;
  let clients: EdgeClients;
  /** Header lines of each request as sent (name, value, name, value, …), by path. */
  const seen = new Map<string, string[]>();
  /** Every line of one header of a request, in order. */
  const values = (path: string, header: string): string[] =>
    (seen.get(path) ?? []).flatMap((v, i, raw) => (i % 2 === 0 && v.toLowerCase() === header.toLowerCase() ? [raw[i + 1] ?? ''] : []));
  const names = (path: string): string[] => (seen.get(path) ?? []).filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
  let connections = 0;
  const tenantA = edgeIdentity('team-a', false);
  const tenantB = edgeIdentity('team-b', true);

  before(async function () {
    server = createServer((req, res) => {
      seen.set(req.url ?? '', req.rawHeaders);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{}');
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    kubeconfig = yaml.dump({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'edge',
      clusters: [{ name: 'edge', cluster: { server: `http://127.0.0.1:${(server.address() as AddressInfo).port}` } }],
      users: [{ name: 'admin', user: { token: 'admin-token-0123456789' } }],
      contexts: [{ name: 'edge', context: { cluster: 'edge', user: 'admin' } }],
    });
    clients = new EdgeClients({ policy: { allowExec: false, allowInsecureTls: true } });
  });

  after(async function () {
    clients.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends no Impersonate-* header from the kubeconfig\'s own client, before, between and after identity calls', async function () {
    const admin = await clients.get(kubeconfig);
    const asA = await clients.get(kubeconfig, { impersonate: tenantA });
    const asB = await clients.get(kubeconfig, { impersonate: tenantB });
    await admin.request({ method: 'GET', path: '/admin-1' });
    await Promise.all([
      asA.request({ method: 'GET', path: '/a' }), admin.request({ method: 'GET', path: '/admin-2' }), asB.request({ method: 'GET', path: '/b' }),
    ]);
    await admin.request({ method: 'GET', path: '/admin-3' });
    for (const path of ['/admin-1', '/admin-2', '/admin-3']) {
      assert.deepEqual(names(path).filter((h) => h.startsWith('impersonate-')), [], `${path}: ${names(path).join(', ')}`);
      assert.deepEqual(values(path, 'Authorization'), ['Bearer admin-token-0123456789']);
    }
    assert.deepEqual(values('/a', 'Impersonate-User'), [tenantA.user]);
    assert.deepEqual(values('/a', 'Impersonate-Group'), [...tenantA.groups]);
    assert.deepEqual(values('/b', 'Impersonate-User'), [tenantB.user]);
    assert.deepEqual(values('/b', 'Impersonate-Group'), [...tenantB.groups]);
    assert.deepEqual(values('/a', 'Authorization'), ['Bearer admin-token-0123456789'], 'the admin credential authenticates the impersonation');
  });

  it('keeps one client per (kubeconfig, identity): the same identity, groups in any order, is the same client', async function () {
    const admin = await clients.get(kubeconfig);
    const asA = await clients.get(kubeconfig, { impersonate: tenantA });
    assert.notEqual(asA, admin);
    assert.equal(await clients.get(kubeconfig, { impersonate: { user: tenantA.user, groups: [...tenantA.groups].reverse() } }), asA);
    assert.notEqual(await clients.get(kubeconfig, { impersonate: tenantB }), asA);
    assert.notEqual(await clients.get(kubeconfig, { impersonate: { user: tenantA.user, groups: [] } }), asA, 'other groups, another identity');
    assert.equal(admin.impersonation, undefined);
    assert.equal(asA.impersonation?.user, tenantA.user);
    assert.equal(clients.size, 1, 'one kubeconfig entry, whatever the identities');
  });

  it('shares the kubeconfig\'s connections: closing an identity\'s client closes none of them', async function () {
    // A kubeconfig of its own (another token): a new entry with no connection yet.
    const fresh = kubeconfig.replace('admin-token-0123456789', 'other-token-0123456789');
    const admin = await clients.get(fresh);
    const asA = await clients.get(fresh, { impersonate: tenantA });
    const before = connections;
    await admin.request({ method: 'GET', path: '/shared-1' });
    await asA.request({ method: 'GET', path: '/shared-2' });
    asA.close();
    await admin.request({ method: 'GET', path: '/shared-3' });
    assert.equal(connections - before, 1, 'one keep-alive connection served the admin, the identity, and the admin again');
    assert.deepEqual(values('/shared-2', 'Impersonate-User'), [tenantA.user]);
    assert.throws(() => asA.impersonating(tenantB), /cannot impersonate again/);
  });
});
