/**
 * Refusals of a tenant's edge identity, as tables over real text: helm 3.22's stderr and the
 * edge API server's 403 messages (captured in operator/test/lcm/tenant-identity.test.ts). A
 * refusal that names the identity is Forbidden (terminal, says what to do); one that names any
 * other user is the admin credential's problem, Unauthorized, as before tenancy.
 */
import assert from 'node:assert/strict';
import { lcmErrorOf } from '../../src/lcm/kubernetes/edge-api.js';
import { classifyHelmFailure, errorDetail, failureMessage } from '../../src/lcm/kubernetes/helm-errors.js';
import type { LcmErrorKind } from '../../src/lcm/plugin.js';
import { ApiError } from '../../src/runtime/kube/errors.js';
import { dispositionOf } from '../../src/runtime/reconcile.js';
import { edgeIdentity } from '../../src/tenancy/identity.js';

const tenant = edgeIdentity('team-a', false);
const user = 'system:serviceaccount:mecm-tenants:mecm-tenant-team-a';

const helmClusterRoleBinding = `Error: INSTALLATION FAILED: Unable to continue with install: could not get information about the resource ClusterRoleBinding "crb-team-a-app-view" in namespace "": clusterrolebindings.rbac.authorization.k8s.io "crb-team-a-app-view" is forbidden: User "${user}" cannot get resource "clusterrolebindings" in API group "rbac.authorization.k8s.io" at the cluster scope\n`;
const helmOtherNamespace = `Error: INSTALLATION FAILED: Unable to continue with install: could not get information about the resource ConfigMap "precious" in namespace "team-b-data": configmaps "precious" is forbidden: User "${user}" cannot get resource "configmaps" in API group "" in the namespace "team-b-data"\n`;
const helmAdminCannotImpersonate = 'Error: INSTALLATION FAILED: serviceaccounts "mecm-tenant-team-a" is forbidden: User "edge-operator" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "mecm-tenants"\n';

describe('refusals of a tenant\'s edge identity', function () {
  describe('helm', function () {
    const cases: Array<[string, string, typeof tenant | undefined, LcmErrorKind]> = [
      ['a ClusterRoleBinding, helm run as the tenant', helmClusterRoleBinding, tenant, 'Forbidden'],
      ['an object in another namespace, helm run as the tenant', helmOtherNamespace, tenant, 'Forbidden'],
      ['the same words, helm run as the admin', helmClusterRoleBinding, undefined, 'Unauthorized'],
      ['the admin may not impersonate the tenant', helmAdminCannotImpersonate, tenant, 'Unauthorized'],
      ['another tenant named', helmClusterRoleBinding, edgeIdentity('team-b', false), 'Unauthorized'],
    ];
    for (const [label, stderr, identity, kind] of cases) {
      it(`${label} → ${kind}`, function () {
        assert.equal(classifyHelmFailure(errorDetail(stderr), identity ? { identity } : {}), kind);
      });
    }

    it('says what the tenant can do: remove the objects, or ask for cluster scope on its Tenant', function () {
      const message = failureMessage('Forbidden', 'helm install of release team-a-app/crb', errorDetail(helmClusterRoleBinding), { identity: tenant });
      assert.match(message, /^helm install of release team-a-app\/crb failed: INSTALLATION FAILED: .* cannot get resource "clusterrolebindings"/);
      assert.match(message, /Tenant team-a's grant allows changes only in its own edge namespaces: remove cluster-scoped objects .* from the chart, or ask the admin to set spec\.allowClusterScopedObjects on Tenant team-a\.$/);
    });
  });

  describe('the edge API (scale, adoption)', function () {
    const refusal = (who: string) => new ApiError(403, 'Forbidden',
      `deployments.apps "far" is forbidden: User "${who}" cannot get resource "deployments" in API group "apps" in the namespace "team-b-data"`);

    it('a 403 naming the identity is Forbidden, terminal, with the advice', function () {
      const error = lcmErrorOf(refusal(user), 'Setting release team-a-app/far Stopped', tenant);
      assert.equal(error.kind, 'Forbidden');
      assert.equal(error.transient, false);
      assert.deepEqual(dispositionOf(error), { kind: 'Terminal' });
      assert.match(error.message, /^Setting release team-a-app\/far Stopped failed: deployments\.apps "far" is forbidden: .*spec\.allowClusterScopedObjects on Tenant team-a\.$/);
    });

    it('a 403 naming anyone else, or with no identity in play, is Unauthorized', function () {
      assert.equal(lcmErrorOf(refusal('edge-operator'), 'x', tenant).kind, 'Unauthorized');
      assert.equal(lcmErrorOf(refusal(user), 'x').kind, 'Unauthorized');
      assert.equal(lcmErrorOf(new ApiError(401, 'Unauthorized', 'Unauthorized'), 'x', tenant).kind, 'Unauthorized');
    });

    it('a tenant with cluster scope that is still refused is told to ask the edge\'s admin', function () {
      const error = lcmErrorOf(refusal(user), 'x', edgeIdentity('team-a', true));
      assert.equal(error.kind, 'Forbidden');
      assert.match(error.message, /although it is bound to cluster-admin; the edge's admin must check its RBAC/);
    });
  });
});
