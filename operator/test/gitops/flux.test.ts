/**
 * GitOps with real Flux controllers (source-controller and kustomize-controller, built from
 * their Go modules) on the real hub, the operator running every controller with tenancy
 * enforced. The manifests (support/manifests.ts) are pushed as a Flux OCI artifact to a local
 * registry with our own OCI client; an OCIRepository reads it and Kustomizations apply it:
 *
 *   platform     (the admin)                 Namespace, Tenant, ServiceAccount + Role, Secret, EdgeHost
 *   apps         (the team's ServiceAccount,  AppPackage + AppInstance hello      ── Ready after hello is
 *                 dependsOn platform)
 *   apps-second  (the same)                   AppInstance second of hello         ── Ready after second is
 *   apps-doomed  (the same)                   AppPackage + AppInstance doomed     ── fails, naming doomed
 *   apps-forbidden (the same)                 an EdgeHost                         ── refused: the team may not
 *
 * Every Kustomization has wait: true and no healthCheckExprs: Flux reads our objects with kstatus
 * alone — Stalled=True is Failed, Reconciling=True or an unobserved generation InProgress. A
 * fresh object is InProgress too: the CRDs default its status to {observedGeneration: 0}
 * (operator/src/api/schema/crd.ts), so Flux cannot take it as Current before the operator's first
 * status write, which apps-second would show (docs/gitops.md). The same live objects are also run
 * through the Argo CD health check.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { AppstoreSimulator } from '../../../testenv/src/appstore-simulator.js';
import { FluxControllers } from '../../../testenv/src/flux.js';
import { waitFor } from '../../../testenv/src/process.js';
import type { AppInstance } from '../../src/api/appinstance.js';
import type { AppPackage } from '../../src/api/apppackage.js';
import type { EdgeHost } from '../../src/api/edgehost.js';
import { mecmTypes } from '../../src/api/resources.js';
import type { Tenant } from '../../src/api/tenant.js';
import { Registry } from '../../src/oci/registry.js';
import { findCondition, type Condition } from '../../src/runtime/conditions.js';
import { isNotFound } from '../../src/runtime/kube/errors.js';
import { coreTypes } from '../../src/runtime/kube/resource.js';
import { ResourceClient } from '../../src/runtime/kube/resource-client.js';
import { envStartTimeoutMs } from '../support/env.js';
import { operatorNamespace, startOperator, type TestOperator } from '../support/operator.js';
import { pushFluxArtifact } from './support/flux-artifact.js';
import { fluxTypes, type Kustomization, type KustomizationSpec, type OCIRepository } from './support/flux-objects.js';
import { argoHealth } from './support/lua-health.js';
import { gitopsRepository, teamServiceAccount } from './support/manifests.js';
import { gitopsPackage } from './support/package.js';

const run = Date.now().toString(36);
/** Where the Flux objects of the admin live (the suite's namespace, with the fixture's Tenant). */
const fluxNamespace = `flux-${run}`;
/** The team the manifests set up: its namespace, its Tenant and the prefix of its edge namespaces. */
const team = `gitops-${run}`;
const host = `gitops-${run}`;
const source = 'mecm-gitops';

const readyOf = (object: { status?: { conditions?: readonly Condition[] } } | undefined) => findCondition(object?.status?.conditions, 'Ready');
const isReady = (object: { status?: { conditions?: readonly Condition[] } } | undefined) => readyOf(object)?.status === 'True';

describe('GitOps with real Flux controllers on the hub', function () {
  let op: TestOperator;
  let flux: FluxControllers | undefined;
  let store: AppstoreSimulator;
  let registry: Registry;
  let kustomizations: ResourceClient<Kustomization>;
  let instances: ResourceClient<AppInstance>;

  before(async function () {
    this.timeout(envStartTimeoutMs);
    op = await startOperator({ namespace: fluxNamespace, controllers: ['edgehost', 'tenant', 'apppackage', 'apprule', 'appinstance'] });
    kustomizations = new ResourceClient<Kustomization>(op.direct, fluxTypes.kustomization);
    instances = new ResourceClient<AppInstance>(op.direct, mecmTypes.appInstance);
    store = await AppstoreSimulator.start();
    for (const app of ['hello', 'doomed'] as const) {
      await store.addPackage({ appId: app, packageId: 'v1', name: app, version: '1.0', provider: 'Tests', file: await gitopsPackage(app) });
    }
    const edge = op.shared.edges[0]!;
    const registryUrl = await op.shared.env.startRegistry('gitops');
    registry = new Registry({ baseUrl: registryUrl });
    const repository = `mecm/gitops-${run}`;
    const files = gitopsRepository({
      team, host, operatorNamespace, edgeKubeconfig: await edge.kubeconfig(), edgeRegistryUrl: edge.registryUrl!, appstoreUrl: store.url,
    });
    await pushFluxArtifact(registry, repository, 'v1', files, `v1@sha1:${run}`);

    flux = await FluxControllers.start(op.shared.hub, join(op.shared.env.root, `flux-${run}`));
    await new ResourceClient<OCIRepository>(op.direct, fluxTypes.ociRepository).create({
      apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'OCIRepository', metadata: { name: source, namespace: fluxNamespace },
      spec: { url: `oci://${new URL(registryUrl).host}/${repository}`, ref: { tag: 'v1' }, interval: '10m', insecure: true },
    });
    await kustomizations.create(kustomization('platform', fluxNamespace, { path: './platform' }));
  });

  after(async function () {
    this.timeout(240_000);
    if (op) {
      // The team's Kustomizations first; Flux prunes their objects as the team and the operator
      // uninstalls the apps from the edge, which needs the EdgeHost and the Tenant: only then the
      // platform (Tenant, EdgeHost, the team's namespace and ServiceAccount), then Flux itself
      // (a Kustomization left without its controller would keep its finalizer).
      const gone = async (what: string, names: ReadonlyArray<readonly [string, string]>) => {
        for (const [name, namespace] of names) await kustomizations.delete(name, namespace).catch(() => undefined);
        await waitFor(what, async () => {
          const left = await Promise.all(names.map(([name, namespace]) => kustomizations.get(name, namespace).then(() => true, (e: unknown) => !isNotFound(e))));
          return !left.some(Boolean);
        }, 60_000, 250).catch(() => undefined);
      };
      await gone('the team\'s Kustomizations gone', [['apps', team], ['apps-second', team], ['apps-doomed', team], ['apps-forbidden', team]]);
      await waitFor('the team\'s AppInstances and AppPackages gone', async () =>
        (await instances.list({ namespace: team })).items.length === 0
        && (await new ResourceClient<AppPackage>(op.direct, mecmTypes.appPackage).list({ namespace: team })).items.length === 0, 90_000, 250).catch(() => undefined);
      await gone('the platform Kustomization gone', [['platform', fluxNamespace]]);
      await flux?.stop();
      await op.stop();
    }
    registry?.close();
    await store?.stop();
  });

  /** A Kustomization of the test repository: short retries, a bounded wait, prune, wait. */
  function kustomization(name: string, namespace: string, spec: Partial<KustomizationSpec> & { path: string }): Kustomization {
    return {
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name, namespace },
      spec: {
        sourceRef: { kind: 'OCIRepository', name: source, namespace: fluxNamespace },
        interval: '10m', retryInterval: '5s', timeout: '3m', prune: true, wait: true, ...spec,
      },
    };
  }

  /** The team's Kustomization of `path`, applied as its ServiceAccount once the platform is Ready. */
  async function teamKustomization(name: string, path: string): Promise<void> {
    await waitFor(`namespace ${team} applied by the platform Kustomization`, async () =>
      new ResourceClient(op.direct, coreTypes.namespace).get(team).then(() => true, () => false), 120_000, 250);
    await kustomizations.create(kustomization(name, team, {
      path, serviceAccountName: teamServiceAccount, dependsOn: [{ name: 'platform', namespace: fluxNamespace }],
    }));
  }

  const instance = (name: string) => instances.get(name, team).catch((e: unknown) => { if (isNotFound(e)) return undefined; throw e; });

  /**
   * Waits for Kustomization `name` to be Ready, reading it and then AppInstance `app` every
   * 100 ms: an instance never goes from Ready back to not Ready here, so a Ready Kustomization
   * with a not-Ready instance is a real disorder. The instance must also be seen applied and not
   * Ready while the Kustomization waits, or the order proves nothing.
   */
  async function waitReadyAfter(name: string, app: string): Promise<{ kustomization: Kustomization; instance: AppInstance }> {
    const seen = { readyBeforeInstance: false, waitedOnInstance: false };
    await waitFor(`Kustomization ${name} Ready`, async () => {
      const k = await kustomizations.get(name, team);
      const i = await instance(app);
      if (isReady(k) && !isReady(i)) seen.readyBeforeInstance = true;
      if (i && !isReady(i) && !isReady(k)) seen.waitedOnInstance = true;
      return isReady(k);
    }, 240_000, 100);
    assert.equal(seen.readyBeforeInstance, false, `Kustomization ${name} was Ready while AppInstance ${app} was not`);
    assert.equal(seen.waitedOnInstance, true, `AppInstance ${app} was never seen applied and not Ready while ${name} waited`);
    const result = { kustomization: await kustomizations.get(name, team), instance: (await instance(app))! };
    const at = (c: Condition | undefined) => Date.parse(c?.lastTransitionTime ?? '');
    assert.ok(at(readyOf(result.instance)) <= at(readyOf(result.kustomization)),
      `AppInstance Ready at ${readyOf(result.instance)?.lastTransitionTime}, Kustomization at ${readyOf(result.kustomization)?.lastTransitionTime}`);
    return result;
  }

  /** The Ready condition of the team's Kustomization `name` once it is False with `reason`. */
  async function waitFailed(name: string, reason: string): Promise<Condition> {
    let ready: Condition | undefined;
    await waitFor(`Kustomization ${name} failed with ${reason}`, async () => {
      ready = readyOf(await kustomizations.get(name, team));
      return ready?.status === 'False' && ready.reason === reason;
    }, 240_000, 250);
    return ready!;
  }

  it('applies the platform, then the team\'s app as its ServiceAccount, and is Ready only once the AppInstance is', async function () {
    this.timeout(300_000);
    await teamKustomization('apps', './apps');
    const { kustomization: apps, instance: hello } = await waitReadyAfter('apps', 'hello');

    const platform = await kustomizations.get('platform', fluxNamespace);
    const edgeHost = await new ResourceClient<EdgeHost>(op.direct, mecmTypes.edgeHost).get(host);
    const at = (c: Condition | undefined) => Date.parse(c?.lastTransitionTime ?? '');
    // dependsOn: the team's objects were created only after the platform (its EdgeHost) was Ready.
    assert.ok(isReady(platform) && isReady(edgeHost));
    assert.ok(at(readyOf(edgeHost)) <= at(readyOf(platform)), 'the platform was Ready before its EdgeHost');
    assert.ok(at(readyOf(platform)) <= Date.parse(hello.metadata.creationTimestamp ?? ''), 'the AppInstance was applied before the platform was Ready');
    assert.deepEqual(apps.status?.inventory?.entries.map((e) => e.id).sort(), [`${team}_hello_mecm.io_AppInstance`, `${team}_hello_mecm.io_AppPackage`]);
    assert.equal(readyOf(hello)?.reason, 'Ready');
    assert.equal(hello.status?.readyWorkloads, '1/1');

    // Argo CD's health check reads the same live objects as Healthy.
    const pkg = await new ResourceClient<AppPackage>(op.direct, mecmTypes.appPackage).get('hello', team);
    const tenant = await new ResourceClient<Tenant>(op.direct, mecmTypes.tenant).get(team);
    for (const object of [hello, pkg, edgeHost, tenant]) {
      assert.equal((await argoHealth(object)).status, 'Healthy', `${object.kind} ${object.metadata.name}`);
    }
  });

  it('waits for an AppInstance applied on its own, whose package is already on the host', async function () {
    this.timeout(300_000);
    // Nothing else in this Kustomization is in progress while the operator has not yet written
    // the new instance's first status: the case where kstatus alone would be Ready at once.
    await teamKustomization('apps-second', './apps-second');
    const { kustomization } = await waitReadyAfter('apps-second', 'second');
    assert.deepEqual(kustomization.status?.inventory?.entries.map((e) => e.id), [`${team}_second_mecm.io_AppInstance`]);
  });

  it('fails a Kustomization whose AppInstance stalls, naming the AppInstance', async function () {
    this.timeout(300_000);
    await teamKustomization('apps-doomed', './apps-doomed');
    const failed = await waitFailed('apps-doomed', 'HealthCheckFailed');
    // kstatus: Stalled=True is Failed, and the wait stops at it instead of running to the timeout.
    assert.match(failed.message, new RegExp(`AppInstance/${team}/doomed status: 'Failed'`));
    assert.match(failed.message, /failed early due to stalled resources/);
    const doomed = (await instance('doomed'))!;
    const stalled = findCondition(doomed.status?.conditions, 'Stalled');
    assert.equal(stalled?.status, 'True');
    assert.equal(stalled?.reason, 'RetriesExhausted');
    assert.deepEqual(await argoHealth(doomed), { status: 'Degraded', message: `RetriesExhausted: ${stalled?.message}` });
  });

  it('applies the team\'s part as the team: an EdgeHost in it is refused by the hub\'s RBAC', async function () {
    this.timeout(120_000);
    await teamKustomization('apps-forbidden', './apps-forbidden');
    const failed = await waitFailed('apps-forbidden', 'ReconciliationFailed');
    assert.match(failed.message, new RegExp(`system:serviceaccount:${team}:${teamServiceAccount}`));
    assert.match(failed.message, /forbidden/);
    const stolen = await new ResourceClient<EdgeHost>(op.direct, mecmTypes.edgeHost).get(`${host}-stolen`).catch((e: unknown) => { if (isNotFound(e)) return undefined; throw e; });
    assert.equal(stolen, undefined);
  });
});
