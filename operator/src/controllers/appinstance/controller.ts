/**
 * AppInstance controller (EdgeGallery's APPO + LCM Controller + K8s plugin): each reconcile
 * observes the package, the host, the Helm release on the edge, the owned AppRule and the
 * workloads; `decide` picks one step; the step runs; the status is written once.
 *
 *   read through ─► observe ─► decide ─► action ─► write status ─► requeue at once while work is left
 *                      │                    │
 *                      └── LcmError ────────┴─► status (markFailure) ─► rethrown: dispositionOf
 *
 * Every step is idempotent and the state lives in the world and in `.status`, so a killed
 * operator resumes with the release it left, never a second one.
 *
 * Tenancy: the Tenant governing the namespace must grant the host and the edge namespace, and
 * the instance must be among its oldest spec.limits.appInstances, before anything reaches the
 * edge (NotPermitted otherwise). A Tenant's change, or another instance of the Tenant coming or
 * going, makes its instances decide again.
 */
import type { AppInstance } from '../../api/appinstance.js';
import type { AppPackage } from '../../api/apppackage.js';
import type { AppRule } from '../../api/apprule.js';
import type { EdgeHost } from '../../api/edgehost.js';
import { mecmTypes } from '../../api/resources.js';
import { LcmError } from '../../lcm/plugin.js';
import type { LcmPluginRegistry } from '../../lcm/registry.js';
import type { PackageStore } from '../../packages/store.js';
import { Controller, defaultResyncMs } from '../../runtime/controller.js';
import type { EventRecorder } from '../../runtime/events.js';
import type { Informer } from '../../runtime/informer.js';
import { isNotFound } from '../../runtime/kube/errors.js';
import { coreTypes, objectKey, splitKey, type KubeObject } from '../../runtime/kube/resource.js';
import { ResourceClient } from '../../runtime/kube/resource-client.js';
import type { Manager } from '../../runtime/manager.js';
import { writeStatus } from '../../runtime/objects.js';
import { done, type ReconcileContext, type Reconciler, type ReconcileResult } from '../../runtime/reconcile.js';
import type { Tenancy } from '../../tenancy/tenancy.js';
import { SecretValues } from '../secret-values.js';
import type { SecretObject } from '../secrets.js';
import { wakeRefusedSiblings } from '../tenant-scope.js';
import { recordFailure, runAction, type HubActionContext, type HubClients } from './actions/index.js';
import { decide, type AppInstanceAction } from './decide.js';
import { observe, type ObserveDeps } from './observe.js';
import { appInstanceDraft, recordObserved } from './summarize.js';

export { finalizer } from './names.js';

/** Steps one reconcile may take in a row before the key goes back to the queue (fairness). */
const stepsPerTurn = 8;

export interface AppInstanceControllerOptions {
  /** The operator's namespace: the only one whose Secrets an EdgeHost's kubeconfig may name. */
  readonly operatorNamespace: string;
  readonly workers: number;
  readonly steadyCheckMs: number;
  readonly waitMs: number;
  readonly deletionTimeoutMs: number;
  readonly events: EventRecorder;
  /** The Tenants and whether they are enforced: what each namespace's instances may use. */
  readonly tenancy: Tenancy;
}

export class AppInstanceReconciler implements Reconciler {
  constructor(
    private readonly instances: Informer<AppInstance>,
    private readonly deps: ObserveDeps,
    private readonly clients: HubClients,
    private readonly options: AppInstanceControllerOptions,
  ) {}

  /**
   * Runs the instance's steps one after another while each leaves work for at once (finalizer,
   * id, credentials, install…), up to stepsPerTurn: a thousand new instances then reach helm
   * one by one as they come, instead of every instance taking each step before any installs.
   */
  async reconcile(key: string, context: ReconcileContext): Promise<ReconcileResult> {
    let result: ReconcileResult = done;
    for (let step = 0; step < stepsPerTurn; step++) {
      result = await this.step(key, context);
      if (result.kind !== 'RequeueAfter' || result.ms > 0) return result;
    }
    return result;
  }

  private async step(key: string, context: ReconcileContext): Promise<ReconcileResult> {
    if (!this.instances.get(key)) return done;
    // Read through to the API: the cache may not have our last status write yet, and acting on
    // a stale release digest would upgrade twice.
    const { namespace, name } = splitKey(key);
    const instance = await this.clients.instances.get(name, namespace).catch((e: unknown) => { if (isNotFound(e)) return undefined; throw e; });
    if (!instance) return done;
    const now = new Date();
    const draft = appInstanceDraft(instance, now);
    const ctx: HubActionContext = {
      instance, draft, clients: this.clients, timing: this.options, log: context.log,
      event: (type, reason, message) => this.options.events.record(instance, type, reason, message),
      commit: () => {
        draft.markObserved();
        return writeStatus(this.clients.instances, instance, draft.result());
      },
    };
    let action: AppInstanceAction | undefined;
    let result: ReconcileResult;
    try {
      const observed = await observe(instance, this.deps, now);
      recordObserved(draft.value, observed.facts);
      action = decide(observed.observation);
      context.log.debug('Decided', { action: action.kind });
      result = await runAction(action, ctx);
    } catch (error) {
      if (!(error instanceof LcmError)) throw error;
      await recordFailure(error, action, ctx);
      await ctx.commit();
      throw error;
    }
    // The one status write, whatever the action did; past ReleaseFinalizer the instance may be gone.
    if (action.kind !== 'ReleaseFinalizer') await ctx.commit();
    return result;
  }
}

/** Wires the AppInstance controller: instances, their packages, hosts and owned AppRules. */
export function registerAppInstanceController(manager: Manager, plugins: LcmPluginRegistry, store: PackageStore, options: AppInstanceControllerOptions): Controller {
  const instances = manager.informer<AppInstance>(mecmTypes.appInstance);
  const packages = manager.informer<AppPackage>(mecmTypes.appPackage);
  const hosts = manager.informer<EdgeHost>(mecmTypes.edgeHost);
  const rules = manager.informer<AppRule>(mecmTypes.appRule);
  instances.addIndexer('host', (i) => [i.spec.hostRef.name]);
  instances.addIndexer('package', (i) => [`${i.metadata.namespace}/${i.spec.packageRef.name}`]);
  const secrets = new ResourceClient<SecretObject>(manager.hub, coreTypes.secret);
  const secretMetadata = manager.informer<KubeObject>(coreTypes.secret, { metadataOnly: true, namespace: options.operatorNamespace });
  // The edge wakes an instance through the controller made below.
  let controller: Controller | undefined;
  const reconciler = new AppInstanceReconciler(instances, {
    instances, packages, hosts, rules, secrets, store, plugins, wake: (key) => controller?.enqueue(key),
    edgeSecrets: new SecretValues(secretMetadata, secrets, options.operatorNamespace),
    configMaps: new ResourceClient<SecretObject>(manager.hub, coreTypes.configMap),
    deletionTimeoutMs: options.deletionTimeoutMs, operatorNamespace: options.operatorNamespace, tenancy: options.tenancy,
  }, {
    instances: new ResourceClient<AppInstance>(manager.hub, mecmTypes.appInstance),
    rules: new ResourceClient<AppRule>(manager.hub, mecmTypes.appRule),
    secrets,
  }, options);
  controller = new Controller({ name: 'appinstance', reconciler, workers: options.workers, metrics: manager.metrics, log: manager.log });
  controller.watch(instances, { resyncMs: defaultResyncMs });
  // A deleted instance's release is followed no more.
  instances.addHandlers({ onDelete: (i) => plugins.all().forEach((p) => p.unfollow(objectKey(i))) });
  controller.watch(packages, { map: (p) => instances.byIndex('package', objectKey(p)).map(objectKey) });
  controller.watch(hosts, { map: (h) => instances.byIndex('host', h.metadata.name ?? '').map(objectKey) });
  controller.watch(rules, { map: (r) => (r.metadata.ownerReferences ?? []).filter((o) => o.kind === 'AppInstance').map((o) => `${r.metadata.namespace}/${o.name}`) });
  options.tenancy.watchFor(controller, instances);
  wakeRefusedSiblings(controller, instances, options.tenancy);
  manager.addController(controller);
  return controller;
}
