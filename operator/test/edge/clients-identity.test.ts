/**
 * Who the edge API server thinks each cached client is (SelfSubjectReview on a real edge): the
 * kubeconfig's own client is the admin user whatever identities are in use beside it, and an
 * identity's client is the tenant's ServiceAccount with its groups.
 */
import assert from 'node:assert/strict';
import type { Cluster } from '../../../testenv/src/environment.js';
import { EdgeClients } from '../../src/edge/clients.js';
import type { KubeClient } from '../../src/runtime/kube/client.js';
import { edgeIdentity } from '../../src/tenancy/identity.js';
import { envStartTimeoutMs, sharedEnv } from '../support/env.js';

interface UserInfo {
  readonly username: string;
  readonly groups?: readonly string[];
}

async function whoAmI(client: KubeClient): Promise<UserInfo> {
  const review = await client.request<{ status: { userInfo: UserInfo } }>({
    method: 'POST', path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
  });
  return review.status.userInfo;
}

describe('EdgeClients identities on a real edge', function () {
  let edge: Cluster;
  const clients = new EdgeClients();

  before(async function () {
    this.timeout(envStartTimeoutMs);
    edge = (await sharedEnv()).edges[0]!;
  });

  after(() => clients.close());

  it('the kubeconfig\'s client is the admin, an identity\'s client is the tenant\'s ServiceAccount', async function () {
    const kubeconfig = await edge.kubeconfig();
    const tenant = edgeIdentity('team-a', false);
    const admin = await clients.get(kubeconfig);
    const before = await whoAmI(admin);
    assert.doesNotMatch(before.username, /^system:serviceaccount:/);

    const asTenant = await whoAmI(await clients.get(kubeconfig, { impersonate: tenant }));
    assert.equal(asTenant.username, tenant.user);
    assert.deepEqual([...asTenant.groups ?? []].sort(), [...tenant.groups].sort());

    assert.deepEqual(await whoAmI(admin), before, 'the admin client is still the admin');
  });
});
