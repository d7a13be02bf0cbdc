/**
 * North's server answers malformed, unauthenticated and unauthorized requests itself, in the
 * shapes EdgeGallery's servers used, before anything is written (the writer here fails the
 * test if reached); the OpenAPI document lists every route.
 */
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { Tenant } from '../../src/api/tenant.js';
import { buildNorth } from '../../src/north/server.js';
import { accessBy, fixedDeps, refusingWriter, tokenCallers, type World } from './support/fixed-deps.js';

const tenantId = '0f9a2c3e-1b2d-4c5e-8f90-123456789abc';
const tenant: Tenant = {
  apiVersion: 'mecm.io/v1alpha1', kind: 'Tenant', metadata: { name: 'team-a' },
  spec: { namespaces: ['team-a'], appstore: { tenantIds: [tenantId], userIds: ['u1'] }, hosts: { names: ['edge-1'] } },
};
const world: World = { tenants: [tenant], hosts: [], packages: [], instances: [] };
const reader = { kind: 'Appstore' as const, userId: 'u1', user: { username: 'appstore:u1', groups: [] } };

describe('North server', () => {
  let app: FastifyInstance;

  before(async () => {
    app = await buildNorth(fixedDeps(world, {
      authenticator: tokenCallers({ good: reader }),
      access: accessBy((_caller, q) => q.verb === 'get'),
    }));
  });
  after(() => app.close());

  it('serves its OpenAPI document, built from the route schemas', async () => {
    const res = await app.inject({ method: 'GET', url: '/north/openapi.json' });
    assert.equal(res.statusCode, 200);
    const doc = res.json() as { openapi: string; paths: Record<string, Record<string, { requestBody?: { content: Record<string, unknown> } }>> };
    assert.equal(doc.openapi, '3.1.0');
    assert.ok(doc.paths['/north/v1/tenants/{tenantId}/package']?.post?.requestBody?.content['multipart/form-data']);
    assert.ok(doc.paths['/lcmcontroller/v2/tenants/{tenantId}/app_instances/{appInstanceId}/instantiate']?.post?.requestBody?.content['application/json']);
    assert.equal(Object.keys(doc.paths).length, 14);
  });

  it('answers the lcmcontroller health check without a token', async () => {
    const res = await app.inject({ method: 'GET', url: '/lcmcontroller/v1/health' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, 'ok');
  });

  it('refuses a request without a token with 401 in the family\'s shape', async () => {
    const north = await app.inject({ method: 'GET', url: '/north/v1/mechosts' });
    assert.equal(north.statusCode, 401);
    assert.deepEqual(Object.keys(north.json()).sort(), ['message', 'retCode']);
    const lcm = await app.inject({ method: 'GET', url: `/lcmcontroller/v2/tenants/${tenantId}/packages/abc` });
    assert.equal(lcm.statusCode, 401);
    assert.equal((lcm.json() as { retCode: number }).retCode, 31001);
  });

  it('refuses host add with 401 whatever it sends, pointing at EdgeHosts', async () => {
    const res = await app.inject({
      method: 'POST', url: `/lcmcontroller/v1/tenants/${tenantId}/hosts`, headers: { access_token: 'good' },
      payload: { mechostIp: '192.0.2.1', mechostName: 'x', vim: 'K8S', origin: 'appstore' },
    });
    assert.equal(res.statusCode, 401);
    assert.match((res.json() as { message: string }).message, /EdgeHost/);
  });

  it('refuses a tenant id that is not a UUID with 400, before authenticating', async () => {
    const res = await app.inject({ method: 'GET', url: '/lcmcontroller/v2/tenants/not-a-uuid/packages/abc', headers: { access_token: 'good' } });
    assert.equal(res.statusCode, 400);
    assert.match((res.json() as { message: string }).message, /tenantId/);
  });

  it('refuses an unknown tenant with 404 naming the missing grant', async () => {
    const res = await app.inject({ method: 'GET', url: '/lcmcontroller/v2/tenants/11111111-2222-4333-8444-555555555555/packages/abc', headers: { access_token: 'good' } });
    assert.equal(res.statusCode, 404);
    assert.match((res.json() as { message: string }).message, /spec\.appstore\.tenantIds/);
  });

  it('refuses what the SubjectAccessReview does not allow with 403', async () => {
    const res = await app.inject({
      method: 'POST', url: `/lcmcontroller/v2/tenants/${tenantId}/packages/abc`, headers: { access_token: 'good' },
      payload: { hostIp: ['192.0.2.1'] },
    });
    assert.equal(res.statusCode, 403);
    assert.match((res.json() as { message: string }).message, /may not update apppackages in namespace team-a/);
  });

  it('answers 404 for an unknown package, as lcmcontroller did', async () => {
    const res = await app.inject({ method: 'GET', url: `/lcmcontroller/v2/tenants/${tenantId}/packages/abc`, headers: { access_token: 'good' } });
    assert.equal(res.statusCode, 404);
    assert.equal((res.json() as { retCode: number }).retCode, 31303);
  });

  it('answers unknown paths with problem+json, and bad JSON with 400', async () => {
    const res = await app.inject({ method: 'GET', url: '/nowhere' });
    assert.equal(res.statusCode, 404);
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
    const bad = await app.inject({
      method: 'POST', url: `/lcmcontroller/v2/tenants/${tenantId}/packages/abc`, headers: { access_token: 'good', 'content-type': 'application/json' }, payload: '{"hostIp":',
    });
    assert.equal(bad.statusCode, 400);
  });

  it('answers a status with no null anywhere: an unknown order has empty data', async () => {
    const res = await app.inject({ method: 'GET', url: `/north/v1/tenants/${tenantId}/packages/0f9a2c3e-1b2d-4c5e-8f90-000000000000`, headers: { access_token: 'good' } });
    assert.equal(res.statusCode, 200);
    assert.doesNotMatch(res.body, /null/);
    assert.deepEqual((res.json() as { data: unknown[] }).data, []);
  });

  it('answers a DELETE whose instances are still terminating with the failure message (200, retCode 1), having asked to delete them', async () => {
    const order = '0f9a2c3e-1b2d-4c5e-8f90-00000000abcd';
    const instance = {
      apiVersion: 'mecm.io/v1alpha1' as const, kind: 'AppInstance' as const,
      metadata: { name: `order-${order}-192-0-2-1`, namespace: 'team-a', labels: { 'north.mecm.io/order': order, 'north.mecm.io/host': '192.0.2.1' } },
      spec: { packageRef: { name: `order-${order}` }, hostRef: { name: 'edge-1' }, namespace: 'team-a-x' },
    };
    const removed: string[] = [];
    const slow = await buildNorth(fixedDeps({ ...world, instances: [instance] }, {
      authenticator: tokenCallers({ good: reader }), access: accessBy(() => true),
      writer: { ...refusingWriter, remove: async (_kind, _ns, name) => { removed.push(name); return true; } },
    }));
    try {
      const res = await slow.inject({ method: 'DELETE', url: `/north/v1/tenants/${tenantId}/packages/${order}`, headers: { access_token: 'good' } });
      assert.equal(res.statusCode, 200);
      const body = res.json() as { retCode: number; data: Array<{ hostIp: string; message: string }> };
      assert.equal(body.retCode, 1);
      assert.equal(body.data[0]?.hostIp, '192.0.2.1');
      assert.match(body.data[0]?.message ?? '', /^Delete server in progress: 1 instance\(s\) still terminating/);
      assert.deepEqual(removed, [instance.metadata.name], 'the package is kept until its instances are gone');
    } finally {
      await slow.close();
    }
  });
});
