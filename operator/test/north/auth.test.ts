/**
 * Who may call North, decided by the hub: tokens are Kubernetes tokens (TokenReview) or
 * EdgeGallery JWTs (verified against the configured key), and every request is a
 * SubjectAccessReview in the tenant's namespace. Real ServiceAccount tokens and JWTs signed by a
 * test key; the RoleBindings of the Tenant's appstore users are kept by North's controller.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { generateKeyPair } from 'jose';
import { waitFor } from '../../../testenv/src/process.js';
import { mecmTypes } from '../../src/api/resources.js';
import type { Tenant } from '../../src/api/tenant.js';
import { ResourceClient } from '../../src/runtime/kube/resource-client.js';
import { envStartTimeoutMs } from '../support/env.js';
import { kubectl } from '../support/kubectl.js';
import { operatorRelease } from '../support/operator-identity.js';
import { AppstoreClient } from './support/appstore-client.js';
import { readerRole, startNorth, type NorthEnv } from './support/north-env.js';

describe('North authentication and authorization', function () {
  let north: NorthEnv;
  const order = randomUUID();
  const statusPath = () => `/north/v1/tenants/${north.tenantId}/packages/${order}`;
  const as = (token: string | undefined) => new AppstoreClient(north.url, token);
  const statusOf = async (token: string | undefined, method = 'GET', path = statusPath()) => (await as(token).raw(method, path)).status;

  async function serviceAccountToken(name: string): Promise<string> {
    const created = await kubectl(north.op.shared.hub, ['create', 'serviceaccount', name, '-n', north.namespace]);
    assert.equal(created.code, 0, created.stderr);
    const token = await kubectl(north.op.shared.hub, ['create', 'token', name, '-n', north.namespace, '--duration', '1h']);
    assert.equal(token.code, 0, token.stderr);
    return token.stdout.trim();
  }

  before(async function () {
    this.timeout(envStartTimeoutMs);
    north = await startNorth('auth');
    const user = await north.jwt(north.tenantId);
    await waitFor('the appstore user is bound', async () => (await statusOf(user)) === 200, 30_000, 200);
  });

  after(async function () {
    this.timeout(60_000);
    await north?.stop();
  });

  it('refuses no token, a garbage token, a forged and an expired JWT with 401', async () => {
    assert.equal(await statusOf(undefined), 401);
    assert.equal(await statusOf('not-a-token'), 401, 'TokenReview does not authenticate it');
    const { privateKey } = await generateKeyPair('RS256');
    assert.equal(await statusOf(await north.jwt(north.tenantId, undefined, { key: privateKey })), 401, 'signed by another key');
    assert.equal(await statusOf(await north.jwt(north.tenantId, undefined, { expiresIn: '-1m' })), 401, 'expired');
  });

  it('lets the Tenant\'s appstore user act in its namespace, and no other appstore user', async () => {
    assert.equal(await statusOf(await north.jwt(north.tenantId)), 200);
    assert.equal(await statusOf(await north.jwt(randomUUID())), 403, 'a user the Tenant does not name');
    assert.equal((await as(await north.jwt(randomUUID())).raw('GET', '/north/v1/mechosts')).status, 403, 'no host list for a stranger');
  });

  it('maps the appstore\'s scheduled token, by its role claim, to the read-only group', async () => {
    const client = await north.jwt(randomUUID(), [readerRole]);
    assert.equal(await statusOf(client), 200, 'status polling across tenants');
    assert.equal(await statusOf(client, 'DELETE'), 403, 'but no deletion');
  });

  it('authorizes ServiceAccount tokens through RBAC alone', async () => {
    const token = await serviceAccountToken('north-caller');
    assert.equal(await statusOf(token), 403, 'no role yet');
    const bound = await kubectl(north.op.shared.hub, ['create', 'rolebinding', 'north-caller', '-n', north.namespace,
      `--clusterrole=${operatorRelease}-north-tenant`, `--serviceaccount=${north.namespace}:north-caller`]);
    assert.equal(bound.code, 0, bound.stderr);
    await waitFor('the ServiceAccount may', async () => (await statusOf(token)) === 200, 20_000, 250);
  });

  it('refuses host add even with a token, and admin-only calls to a tenant user', async () => {
    const user = await north.jwt(north.tenantId);
    const add = await as(user).raw('POST', `/lcmcontroller/v1/tenants/${north.tenantId}/hosts`, { json: { mechostIp: '192.0.2.77', mechostName: 'x', vim: 'K8S', origin: 'appstore' } });
    assert.equal(add.status, 401);
    assert.equal(await statusOf(user, 'DELETE', `/lcmcontroller/v1/tenants/${north.tenantId}/hosts/${north.hostIps[0]}`), 403, 'host delete needs delete on the EdgeHost');
    const form = await AppstoreClient.form({ hostIp: north.hostIps[0]! }, { field: 'configFile', path: '/etc/hostname', name: randomUUID() });
    assert.equal((await as(user).raw('POST', `/lcmcontroller/v2/tenants/${north.tenantId}/configuration`, { form })).status, 403, 'kubeconfig upload needs create on Secrets in the operator\'s namespace');
  });

  it('follows the Tenant: a user removed from spec.appstore.userIds loses access', async function () {
    this.timeout(60_000);
    const tenants = new ResourceClient<Tenant>(north.op.direct, mecmTypes.tenant);
    const name = north.op.tenantName;
    await tenants.patch(name, undefined, 'merge', { spec: { appstore: { tenantIds: [north.tenantId], userIds: ['someone-else'] } } });
    const user = await north.jwt(north.tenantId);
    await waitFor('access withdrawn', async () => (await statusOf(user)) === 403, 30_000, 250);
    await tenants.patch(name, undefined, 'merge', { spec: { appstore: { tenantIds: [north.tenantId], userIds: [north.tenantId] } } });
    await waitFor('access given back', async () => (await statusOf(user)) === 200, 30_000, 250);
  });
});
