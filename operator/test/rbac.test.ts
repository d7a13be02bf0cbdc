/**
 * Least privilege, as the hub's API server enforces it on the operator's ServiceAccount bound by
 * the chart's RBAC (the identity every controller suite runs the operator as): Secrets are listed
 * and watched in the operator's namespace only; no Secret is updated, patched or deleted
 * anywhere; Leases are kept in the operator's namespace only, never patched or deleted;
 * ConfigMaps are only read. Asked twice: SelfSubjectAccessReviews for the whole table, and real
 * requests answered 403 for the ones that matter most.
 */
import assert from 'node:assert/strict';
import { KubeClient } from '../src/runtime/kube/client.js';
import { ApiError } from '../src/runtime/kube/errors.js';
import { coreTypes, type KubeObject } from '../src/runtime/kube/resource.js';
import { ResourceClient } from '../src/runtime/kube/resource-client.js';
import { envStartTimeoutMs, sharedEnv } from './support/env.js';
import { clientFor } from './support/hub-client.js';
import { operatorKubeConfig, operatorNamespace, operatorUser } from './support/operator-identity.js';

const run = Date.now().toString(36);
/** A tenant's namespace: where AppPackages, AppInstances and their Secrets live. */
const tenant = 'default';

interface Access {
  readonly verb: string;
  readonly resource: string;
  readonly group?: string;
  /** Absent: cluster-wide (every namespace). */
  readonly namespace?: string;
}

const allowed: Access[] = [
  // In the operator's namespace: Secret metadata cached (list, watch), EdgeHost Secrets read, the leader Lease.
  ...['get', 'list', 'watch'].map((verb) => ({ verb, resource: 'secrets', namespace: operatorNamespace })),
  ...['get', 'create', 'update'].map((verb) => ({ verb, resource: 'leases', group: 'coordination.k8s.io', namespace: operatorNamespace })),
  // Elsewhere: a Secret named by a namespaced object is read; the AK/SK Secret is created.
  { verb: 'get', resource: 'secrets', namespace: tenant },
  { verb: 'create', resource: 'secrets', namespace: tenant },
  { verb: 'get', resource: 'configmaps', namespace: tenant },
  { verb: 'create', resource: 'events', namespace: tenant },
  { verb: 'patch', resource: 'events', namespace: tenant },
  { verb: 'create', resource: 'tokenreviews', group: 'authentication.k8s.io' },
  { verb: 'create', resource: 'subjectaccessreviews', group: 'authorization.k8s.io' },
];

const denied: Access[] = [
  // No Secret is listed or watched outside the operator's namespace (RBAC has no metadata-only verb).
  ...['list', 'watch'].flatMap((verb) => [tenant, 'kube-system', undefined].map((namespace) => ({ verb, resource: 'secrets', namespace }))),
  // No Secret is changed or deleted anywhere, the operator's namespace included.
  ...['update', 'patch', 'delete', 'deletecollection'].flatMap((verb) => [operatorNamespace, tenant, 'kube-system', undefined]
    .map((namespace) => ({ verb, resource: 'secrets', namespace }))),
  // Leases: none outside the operator's namespace; there, never patched or deleted.
  ...['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'].flatMap((verb) => [tenant, 'kube-node-lease', undefined]
    .map((namespace) => ({ verb, resource: 'leases', group: 'coordination.k8s.io', namespace }))),
  ...['patch', 'delete', 'deletecollection', 'list', 'watch'].map((verb) => ({ verb, resource: 'leases', group: 'coordination.k8s.io', namespace: operatorNamespace })),
  // ConfigMaps are only read, one by one.
  ...['list', 'watch', 'create', 'update', 'patch', 'delete'].map((verb) => ({ verb, resource: 'configmaps', namespace: tenant })),
];

const describeAccess = (a: Access) => `${a.verb} ${a.group ? `${a.resource}.${a.group}` : a.resource} ${a.namespace ? `in ${a.namespace}` : 'cluster-wide'}`;

/** Asks the API server, as the operator, whether it may do `access`. */
async function mayI(asOperator: KubeClient, access: Access): Promise<boolean> {
  const review = await asOperator.request<{ status?: { allowed?: boolean } }>({
    method: 'POST', path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    body: {
      apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview',
      spec: { resourceAttributes: { verb: access.verb, resource: access.resource, group: access.group ?? '', namespace: access.namespace ?? '' } },
    },
  });
  return review.status?.allowed === true;
}

/** The HTTP code a request as the operator is answered with (200 when it passed). */
async function answer(request: Promise<unknown>): Promise<number> {
  try {
    await request;
    return 200;
  } catch (error) {
    if (error instanceof ApiError) return error.code;
    throw error;
  }
}

describe('The operator\'s ServiceAccount, bound by the chart\'s RBAC', function () {
  let admin: KubeClient;
  let asOperator: KubeClient;

  before(async function () {
    this.timeout(envStartTimeoutMs);
    const { hub } = await sharedEnv();
    admin = await clientFor(hub);
    asOperator = await KubeClient.create(await operatorKubeConfig(hub), { name: 'operator' });
  });

  after(() => {
    admin?.close();
    asOperator?.close();
  });

  it('is the chart\'s ServiceAccount in the operator\'s namespace', async () => {
    const review = await asOperator.request<{ status?: { userInfo?: { username?: string } } }>({
      method: 'POST', path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    });
    assert.equal(review.status?.userInfo?.username, operatorUser);
  });

  it('may do what the controllers need', async () => {
    const refused = [];
    for (const access of allowed) if (!(await mayI(asOperator, access))) refused.push(describeAccess(access));
    assert.deepEqual(refused, []);
  });

  it('may not list or watch Secrets outside its namespace, change or delete any Secret, nor touch Leases elsewhere', async () => {
    const granted = [];
    for (const access of denied) if (await mayI(asOperator, access)) granted.push(describeAccess(access));
    assert.deepEqual(granted, []);
  });

  it('is answered 403 when it tries anyway', async function () {
    this.timeout(30_000);
    const secrets = new ResourceClient<KubeObject & { stringData?: Record<string, string> }>(asOperator, coreTypes.secret);
    const leases = new ResourceClient<KubeObject & { spec?: object }>(asOperator, coreTypes.lease);
    // Made by an administrator, in the operator's namespace: the operator may read them and no more.
    const name = `rbac-${run}`;
    await new ResourceClient<KubeObject & { stringData: Record<string, string> }>(admin, coreTypes.secret)
      .create({ metadata: { name, namespace: operatorNamespace }, stringData: { kubeconfig: 'x' } });
    await new ResourceClient<KubeObject & { spec: object }>(admin, coreTypes.lease)
      .create({ metadata: { name, namespace: operatorNamespace }, spec: { holderIdentity: 'someone' } });
    try {
      const secret = await secrets.get(name, operatorNamespace);
      assert.equal(await answer(secrets.list({ namespace: operatorNamespace, metadataOnly: true })), 200, 'list in its namespace');
      assert.equal(await answer(secrets.list({ namespace: tenant, metadataOnly: true })), 403, 'list in a tenant namespace');
      assert.equal(await answer(secrets.list({ metadataOnly: true })), 403, 'list cluster-wide');
      assert.equal(await answer(asOperator.request({ method: 'GET', path: '/api/v1/secrets', query: { watch: true, timeoutSeconds: 1 } })), 403, 'watch cluster-wide');
      assert.equal(await answer(secrets.update({ ...secret, stringData: { kubeconfig: 'y' } })), 403, 'update');
      assert.equal(await answer(secrets.patch(name, operatorNamespace, 'merge', { metadata: { labels: { touched: 'yes' } } })), 403, 'patch');
      assert.equal(await answer(secrets.delete(name, operatorNamespace)), 403, 'delete');
      assert.equal(await answer(leases.patch(name, operatorNamespace, 'merge', { spec: { holderIdentity: 'operator' } })), 403, 'patch a Lease');
      assert.equal(await answer(leases.delete(name, operatorNamespace)), 403, 'delete a Lease');
      assert.equal(await answer(leases.create({ metadata: { name, namespace: tenant }, spec: {} })), 403, 'a Lease elsewhere');
    } finally {
      await new ResourceClient(admin, coreTypes.secret).delete(name, operatorNamespace).catch(() => undefined);
      await new ResourceClient(admin, coreTypes.lease).delete(name, operatorNamespace).catch(() => undefined);
    }
  });
});
