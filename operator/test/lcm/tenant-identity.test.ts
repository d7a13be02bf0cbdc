/**
 * Tenant edge identities on a real edge (kube-apiserver with RBAC, the real helm client): with
 * ReleaseTarget.identity the plugin keeps the tenant's ServiceAccount and bindings with the
 * admin credential and makes every change as the identity, so the edge API server itself
 * refuses what the grant does not cover. A plain chart runs through its whole life in the
 * tenant's namespace; a chart with a ClusterRoleBinding is refused (Forbidden, with what to do)
 * until the tenant is granted cluster scope; another tenant's namespace is out of reach, for
 * helm and for scale; ensureIdentity only reads once all is in place, repairs a tampered
 * binding and withdraws the cluster grant.
 */
import assert from 'node:assert/strict';
import type { Cluster } from '../../../testenv/src/environment.js';
import { waitFor } from '../../../testenv/src/process.js';
import { EdgeClients } from '../../src/edge/clients.js';
import { grantTypes, type Binding } from '../../src/lcm/kubernetes/grant.js';
import type { KubernetesPlugin } from '../../src/lcm/kubernetes/plugin.js';
import { replicasBeforeStopAnnotation } from '../../src/lcm/kubernetes/scale.js';
import type { LiveWorkload } from '../../src/lcm/kubernetes/workloads.js';
import { LcmError, managedBy, type ReleaseTarget, type WorkloadSummary } from '../../src/lcm/plugin.js';
import type { KubeClient } from '../../src/runtime/kube/client.js';
import { isNotFound } from '../../src/runtime/kube/errors.js';
import { coreTypes, type KubeObject } from '../../src/runtime/kube/resource.js';
import { ResourceClient } from '../../src/runtime/kube/resource-client.js';
import { dispositionOf } from '../../src/runtime/reconcile.js';
import { EDGE_IDENTITY_NAMESPACE, EDGE_TENANT_LABEL, edgeIdentity } from '../../src/tenancy/identity.js';
import { envStartTimeoutMs, sharedEnv } from '../support/env.js';
import { clientFor } from '../support/hub-client.js';
import { helmJson, installRequest, newPlugin, pushDemoChart, pushTestChart, serviceAccountKubeconfig, targetOn, type PushedChart } from './support.js';

const run = Date.now().toString(36);
const tenant = (letter: string) => `t${letter}-${run}`;

/**
 * `reach`: a ConfigMap in the release namespace, and on request a ClusterRoleBinding
 * (`clusterRoleBinding: true`), a ConfigMap `precious` in another namespace (`otherNamespace`)
 * or a Deployment in another namespace (`deploymentIn`).
 */
const reachChart = {
  name: 'reach', version: '0.1.0', values: 'clusterRoleBinding: false\notherNamespace: ""\ndeploymentIn: ""\n',
  templates: {
    'own.yaml': `apiVersion: v1
kind: ConfigMap
metadata: { name: {{ .Release.Name }}-own }
data: { a: "1" }
`,
    'cluster.yaml': `{{- if .Values.clusterRoleBinding }}
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: {{ .Release.Name }}-{{ .Release.Namespace }}-view }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view }
subjects: [{ kind: ServiceAccount, name: default, namespace: {{ .Release.Namespace }} }]
{{- end }}
`,
    'elsewhere.yaml': `{{- if .Values.otherNamespace }}
apiVersion: v1
kind: ConfigMap
metadata: { name: precious, namespace: {{ .Values.otherNamespace }} }
data: { owner: {{ .Release.Name | quote }} }
{{- end }}
`,
    'far.yaml': `{{- if .Values.deploymentIn }}
apiVersion: apps/v1
kind: Deployment
metadata: { name: {{ .Release.Name }}-far, namespace: {{ .Values.deploymentIn }} }
spec:
  replicas: 1
  selector: { matchLabels: { app: {{ .Release.Name }}-far } }
  template:
    metadata: { labels: { app: {{ .Release.Name }}-far } }
    spec: { containers: [{ name: far, image: registry.invalid/far:1 }] }
{{- end }}
`,
  },
};

const deploymentType = { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true } as const;

describe('Kubernetes LCM plugin: tenant edge identities', function () {
  let edge: Cluster;
  let plugin: KubernetesPlugin;
  let api: KubeClient;
  let demo: PushedChart;
  let demo2: PushedChart;
  let reach: PushedChart;
  let namespaces: ResourceClient<KubeObject>;
  let clusterBindings: ResourceClient<Binding>;
  let roleBindings: ResourceClient<Binding>;
  let configMaps: ResourceClient<KubeObject & { data?: Record<string, string> }>;
  let deployments: ResourceClient<LiveWorkload>;
  const madeNamespaces = new Set<string>();
  const madeClusterBindings = new Set<string>();
  const tenants = new Set<string>();

  before(async function () {
    this.timeout(envStartTimeoutMs);
    edge = (await sharedEnv()).edges[0]!;
    const helm = (await edge.binaries).helm;
    const prefix = `mecm/lcm-idt-${run}/pkg`;
    [demo, demo2, reach] = await Promise.all([
      pushDemoChart(helm, edge.registryUrl!, prefix, '0.1.0'), pushDemoChart(helm, edge.registryUrl!, prefix, '0.2.0'),
      pushTestChart(helm, edge.registryUrl!, prefix, reachChart),
    ]);
    plugin = await newPlugin(edge);
    api = await clientFor(edge);
    namespaces = new ResourceClient(api, coreTypes.namespace);
    clusterBindings = new ResourceClient(api, grantTypes.clusterRoleBinding);
    roleBindings = new ResourceClient(api, grantTypes.roleBinding);
    configMaps = new ResourceClient(api, coreTypes.configMap);
    deployments = new ResourceClient(api, deploymentType);
  });

  after(async function () {
    await plugin?.close();
    for (const name of madeNamespaces) await namespaces.delete(name).catch(() => undefined);
    for (const name of madeClusterBindings) await clusterBindings.delete(name).catch(() => undefined);
    for (const t of tenants) {
      const identity = edgeIdentity(t, false);
      await clusterBindings.delete(identity.bindingName).catch(() => undefined);
      await api?.request({ method: 'DELETE', path: `/api/v1/namespaces/${EDGE_IDENTITY_NAMESPACE}/serviceaccounts/${identity.serviceAccount}` }).catch(() => undefined);
    }
    await api?.request({ method: 'DELETE', path: `/api/v1/namespaces/default/serviceaccounts/lcm-idt-nobody-${run}` }).catch(() => undefined);
    api?.close();
  });

  /** A target of tenant `t` in edge namespace `<t>-<suffix>`, made by the plugin on install. */
  async function tenantTarget(t: string, suffix: string, releaseName: string, clusterScoped = false): Promise<ReleaseTarget> {
    tenants.add(t);
    madeNamespaces.add(`${t}-${suffix}`);
    return { ...(await targetOn(edge, `${t}-${suffix}`, releaseName)), identity: edgeIdentity(t, clusterScoped), ownerUid: `uid-${releaseName}` };
  }

  const absent = (read: Promise<unknown>) => read.then(() => false, (error: unknown) => {
    if (isNotFound(error)) return true;
    throw error;
  });

  /** Rejects with an LcmError of kind Forbidden that is terminal; returns its message. */
  async function forbidden(call: Promise<unknown>): Promise<string> {
    let message = '';
    await assert.rejects(call, (error: unknown) => {
      assert.ok(error instanceof LcmError, String(error));
      assert.equal(error.kind, 'Forbidden', error.message);
      assert.equal(error.transient, false);
      assert.deepEqual(dispositionOf(error), { kind: 'Terminal' });
      message = error.message;
      return true;
    });
    return message;
  }

  const settle = (target: ReleaseTarget, check: (w: WorkloadSummary) => boolean) =>
    waitFor(`workloads of ${target.releaseName}`, async () => check(await plugin.workloads(target)), 30_000, 200);

  it('installs, upgrades, stops, starts and uninstalls a plain chart as the tenant, in a namespace labelled for it', async function () {
    this.timeout(120_000);
    const t = tenant('a');
    const web = await tenantTarget(t, 'web', 'web');
    const identity = edgeIdentity(t, false);

    const installed = await plugin.install(installRequest(web, demo, { message: 'v1' }));
    assert.deepEqual([installed.revision, installed.status, installed.ownerUid], [1, 'deployed', 'uid-web']);
    const ns = await namespaces.get(web.namespace);
    assert.equal(ns.metadata.labels?.[EDGE_TENANT_LABEL], t);
    assert.equal(ns.metadata.labels?.[managedBy.label], managedBy.value);
    const binding = await roleBindings.get(identity.bindingName, web.namespace);
    assert.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' });
    assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: identity.serviceAccount, namespace: EDGE_IDENTITY_NAMESPACE }]);
    await new ResourceClient(api, grantTypes.serviceAccount).get(identity.serviceAccount, EDGE_IDENTITY_NAMESPACE);
    assert.ok(await absent(clusterBindings.get(identity.bindingName)), 'no cluster grant without clusterScoped');
    await settle(web, (w) => w.allReady);

    const upgraded = await plugin.upgrade(installRequest(web, demo2, { message: 'v2', replicas: 2 }));
    assert.deepEqual([upgraded.revision, upgraded.chartVersion], [2, '0.2.0']);
    assert.deepEqual(await helmJson(edge, ['get', 'values', 'web', '--namespace', web.namespace]), { message: 'v2', replicas: 2 });
    await settle(web, (w) => w.allReady && w.ready === 2);

    await plugin.scale(web, 'Stopped');
    const stopped = await deployments.get('web-web', web.namespace);
    assert.deepEqual([stopped.spec?.replicas, stopped.metadata.annotations?.[replicasBeforeStopAnnotation]], [0, '2']);
    await plugin.scale(web, 'Started');
    assert.equal((await deployments.get('web-web', web.namespace)).spec?.replicas, 2);

    await plugin.uninstall(web);
    assert.deepEqual(await helmJson(edge, ['list', '--namespace', web.namespace, '--all']), []);
    assert.deepEqual(await plugin.status(web), { exists: false });
  });

  it('adopts, as the tenant, a release installed before tenancy with the admin credential', async function () {
    this.timeout(60_000);
    const old = await tenantTarget(tenant('a'), 'old', 'old');
    await plugin.install(installRequest({ ...old, identity: undefined, ownerUid: undefined }, demo));
    const unowned = await plugin.status(old);
    assert.ok(unowned.exists);
    assert.equal(unowned.ownerUid, undefined);
    await plugin.adopt(old);
    const adopted = await plugin.status(old);
    assert.ok(adopted.exists);
    assert.equal(adopted.ownerUid, 'uid-old');
    await plugin.uninstall(old);
  });

  it('refuses a chart with a ClusterRoleBinding as Forbidden, saying what to do, and installs it once the tenant has cluster scope', async function () {
    this.timeout(120_000);
    const t = tenant('b');
    const app = await tenantTarget(t, 'app', 'crb');
    const chartBinding = `crb-${app.namespace}-view`;
    madeClusterBindings.add(chartBinding);

    const message = await forbidden(plugin.install(installRequest(app, reach, { clusterRoleBinding: true })));
    assert.match(message, new RegExp(`User "system:serviceaccount:${EDGE_IDENTITY_NAMESPACE}:mecm-tenant-${t}"`));
    assert.match(message, /clusterrolebindings/);
    assert.match(message, new RegExp(`spec\\.allowClusterScopedObjects on Tenant ${t}`));
    assert.match(message, /remove cluster-scoped objects/);
    assert.ok(await absent(clusterBindings.get(chartBinding)), 'the edge made no ClusterRoleBinding');
    assert.deepEqual(await plugin.status(app), { exists: false }, 'helm stopped before it recorded a release');

    // The admin grants cluster scope (Tenant spec.allowClusterScopedObjects): the same chart installs.
    const granted = { ...app, identity: edgeIdentity(t, true) };
    const release = await plugin.install(installRequest(granted, reach, { clusterRoleBinding: true }));
    assert.equal(release.status, 'deployed');
    assert.deepEqual((await clusterBindings.get(chartBinding)).roleRef?.name, 'view');
    assert.equal((await clusterBindings.get(edgeIdentity(t, true).bindingName)).roleRef?.name, 'cluster-admin');

    await plugin.uninstall(granted);
    assert.ok(await absent(clusterBindings.get(chartBinding)), 'uninstalled as the identity, with its ClusterRoleBinding');
  });

  it('cannot touch another tenant\'s namespace: a chart writing there and a scale reaching there are refused, nothing there changes', async function () {
    this.timeout(120_000);
    const a = tenant('a');
    const other = `${tenant('c')}-data`;
    madeNamespaces.add(other);
    await namespaces.create({ metadata: { name: other, labels: { [EDGE_TENANT_LABEL]: tenant('c') } } });
    const precious = await configMaps.create({ metadata: { name: 'precious', namespace: other }, data: { owner: 'c' } });

    const intruder = await tenantTarget(a, 'intrude', 'intruder');
    const message = await forbidden(plugin.install(installRequest(intruder, reach, { otherNamespace: other })));
    assert.match(message, new RegExp(`in the namespace "${other}"`));
    const after = await configMaps.get('precious', other);
    assert.deepEqual([after.data, after.metadata.resourceVersion], [{ owner: 'c' }, precious.metadata.resourceVersion]);

    // A release the admin once installed reaches into the other namespace: the tenant cannot scale what is there.
    const far = await tenantTarget(a, 'far', 'far');
    await plugin.install(installRequest({ ...far, identity: undefined }, reach, { deploymentIn: other }));
    const before = await deployments.get('far-far', other);
    await forbidden(plugin.scale(far, 'Stopped'));
    const unchanged = await deployments.get('far-far', other);
    // Its controller writes status meanwhile; the spec (generation) and annotations are what scale would change.
    assert.deepEqual([unchanged.spec?.replicas, unchanged.metadata.annotations?.[replicasBeforeStopAnnotation], unchanged.metadata.generation],
      [1, undefined, before.metadata.generation]);

    // Nor is the tenant bound there on request: the namespace is labelled for tenant c.
    assert.match(await forbidden(plugin.ensureIdentity({ ...intruder, namespace: other })), new RegExp(`belongs to tenant ${tenant('c')}`));
    assert.ok(await absent(roleBindings.get(edgeIdentity(a, false).bindingName, other)));
  });

  it('ensureIdentity makes the grant once, then only reads; repairs a tampered binding; withdraws the cluster grant', async function () {
    this.timeout(60_000);
    const t = tenant('d');
    const target = await tenantTarget(t, 'ns', 'app', true);
    const identity = edgeIdentity(t, true);
    assert.equal(await plugin.ensureNamespace(target), 'Created');
    const clients = new EdgeClients();
    try {
      const asIdentity = await clients.get(target.kubeconfig, { impersonate: identity });
      const mayBindClusterWide = async () => (await asIdentity.request<{ status: { allowed: boolean } }>({
        method: 'POST', path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
        body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings' } } },
      })).status.allowed;

      const made = await plugin.ensureIdentity(target);
      assert.deepEqual(made.filter((c) => !c.includes('Namespace')), [
        `created ServiceAccount ${EDGE_IDENTITY_NAMESPACE}/${identity.serviceAccount}`,
        `created RoleBinding ${target.namespace}/${identity.bindingName}`,
        `created ClusterRoleBinding ${identity.bindingName}`,
      ]);
      assert.equal(await mayBindClusterWide(), true, 'honoured by the edge when ensureIdentity returns');

      const versions = async () => Promise.all([
        new ResourceClient(api, grantTypes.serviceAccount).get(identity.serviceAccount, EDGE_IDENTITY_NAMESPACE),
        roleBindings.get(identity.bindingName, target.namespace), clusterBindings.get(identity.bindingName),
      ]).then((objects) => objects.map((o) => o.metadata.resourceVersion));
      const first = await versions();
      assert.deepEqual(await plugin.ensureIdentity(target), [], 'a second call changes nothing');
      assert.deepEqual(await versions(), first, 'and writes nothing');

      // Someone rebinds the tenant to another role: the binding is made again, to admin.
      await roleBindings.delete(identity.bindingName, target.namespace);
      await roleBindings.create({
        metadata: { name: identity.bindingName, namespace: target.namespace },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
        subjects: [{ kind: 'ServiceAccount', name: identity.serviceAccount, namespace: EDGE_IDENTITY_NAMESPACE }],
      });
      assert.deepEqual(await plugin.ensureIdentity(target), [`replaced RoleBinding ${target.namespace}/${identity.bindingName}`]);
      assert.equal((await roleBindings.get(identity.bindingName, target.namespace)).roleRef?.name, 'admin');

      // The admin withdraws cluster scope.
      const withdrawn = { ...target, identity: edgeIdentity(t, false) };
      assert.deepEqual(await plugin.ensureIdentity(withdrawn), [`deleted ClusterRoleBinding ${identity.bindingName}`]);
      assert.ok(await absent(clusterBindings.get(identity.bindingName)));
      assert.equal(await mayBindClusterWide(), false, 'withdrawn on the edge when ensureIdentity returns');
      assert.equal((await roleBindings.get(identity.bindingName, target.namespace)).roleRef?.name, 'admin', 'the namespace grant stays');
      assert.deepEqual(await plugin.ensureIdentity(withdrawn), []);
    } finally {
      clients.close();
    }
  });

  it('reports an admin kubeconfig the edge refuses as Unauthorized, not as the tenant\'s Forbidden', async function () {
    const target = await tenantTarget(tenant('e'), 'ns', 'app');
    const nobody = { ...target, kubeconfig: await serviceAccountKubeconfig(edge, api, `lcm-idt-nobody-${run}`) };
    await assert.rejects(plugin.ensureIdentity(nobody), (error: unknown) => {
      assert.ok(error instanceof LcmError, String(error));
      assert.equal(error.kind, 'Unauthorized', error.message);
      return true;
    });
  });
});
