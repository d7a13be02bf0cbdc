/**
 * AppPackage controller (EdgeGallery's APM, made truthful per host): one step per reconcile,
 * and the next one at once while work is left.
 *
 *   AppPackage ─► readPackage ─► observePackage ─► decide ─► one action ─► requeue(0) / done
 *   (informer)    (read through)  Secrets, hosts,   pure      sets its conditions, writes
 *                                 cache, store                status once, records its events
 *
 *   download (cache by digest, resume) ─► parse CSAR ─► verify (policy) ─► distribute
 *        │ transient: retry with backoff      │ bad package: Stalled      │ per target host:
 *        ▼                                    ▼                           │ push charts + images
 *   Downloaded=False                    Parsed/Verified=False             ▼
 *                                                               hosts[].state, Distributed n/m
 *
 * Hosts that leave the targets have the package's charts removed; on deletion a finalizer
 * holds the package until they are out of every host (hosts that do not answer are given up on
 * after deletionTimeoutMs, with an event). Ready comes from summarize.ts only; errors become
 * queue decisions in the runtime only.
 *
 * Tenancy: the Tenant governing the namespace must allow the package (NotPermitted otherwise,
 * before anything is downloaded) and grant each target host (a target it does not grant is
 * reported, not pushed to). A Tenant's change, or another package of the Tenant coming or going
 * (limits), makes its packages decide again.
 */
import type { AppPackage } from '../../api/apppackage.js';
import type { EdgeHost } from '../../api/edgehost.js';
import { mecmTypes } from '../../api/resources.js';
import { PackageStore } from '../../packages/store.js';
import { Controller, defaultResyncMs, specOrLabelsChanged } from '../../runtime/controller.js';
import type { EventRecorder } from '../../runtime/events.js';
import { coreTypes, objectKey } from '../../runtime/kube/resource.js';
import { ResourceClient } from '../../runtime/kube/resource-client.js';
import type { Manager } from '../../runtime/manager.js';
import { writeStatus } from '../../runtime/objects.js';
import { done, type ReconcileContext, type Reconciler, type ReconcileResult } from '../../runtime/reconcile.js';
import type { Tenancy } from '../../tenancy/tenancy.js';
import type { SecretObject } from '../secrets.js';
import { wakeRefusedSiblings } from '../tenant-scope.js';
import { addFinalizer } from './actions/add-finalizer.js';
import type { ActionContext } from './actions/context.js';
import { distribute } from './actions/distribute.js';
import { download } from './actions/download.js';
import { inspect } from './actions/inspect.js';
import { notPermitted } from './actions/not-permitted.js';
import { releaseFinalizer } from './actions/release-finalizer.js';
import { reportFailure } from './actions/report-failure.js';
import { withdraw } from './actions/withdraw.js';
import { decide, type AppPackageAction } from './decide.js';
import { draftOf } from './draft.js';
import { observePackage, readPackage, type ObserveDeps } from './observe.js';
import { Verifications } from './verifications.js';

export { finalizer } from './finalizer.js';

export interface AppPackageControllerOptions {
  /** The operator's namespace: the only one whose Secrets an EdgeHost's repository may name. */
  readonly operatorNamespace: string;
  readonly workers: number;
  readonly dataDir: string;
  readonly maxPackageBytes: number;
  readonly timeoutMs: number;
  /** How long deletion waits for unreachable hosts before it gives up on them. */
  readonly deletionTimeoutMs: number;
  readonly retryErroredHostsMs: number;
  readonly events: EventRecorder;
  /** The Tenants and whether they are enforced: what each namespace's packages may use. */
  readonly tenancy: Tenancy;
}

export class AppPackageReconciler implements Reconciler {
  private readonly verifications = new Verifications();
  private readonly deps: ObserveDeps;

  constructor(
    packages: ObserveDeps['packages'],
    hosts: ObserveDeps['hosts'],
    private readonly resources: ResourceClient<AppPackage>,
    secrets: ResourceClient<SecretObject>,
    private readonly store: PackageStore,
    private readonly options: AppPackageControllerOptions,
  ) {
    this.deps = {
      packages, resources, hosts, secrets, store, verifications: this.verifications, operatorNamespace: options.operatorNamespace, tenancy: options.tenancy,
    };
  }

  async reconcile(key: string, context: ReconcileContext): Promise<ReconcileResult> {
    const pkg = await readPackage(key, this.deps);
    if (!pkg) {
      this.verifications.forget(key);
      return done;
    }
    const observation = await observePackage(key, pkg, this.deps);
    const now = new Date();
    const action = decide({ pkg, observation, now, settings: this.options });
    context.log.debug('Decided', { action: action.kind });
    return this.run(key, action, this.contextFor(pkg, now, context));
  }

  private run(key: string, action: AppPackageAction, ctx: ActionContext): Promise<ReconcileResult> {
    const { timeoutMs } = this.options;
    switch (action.kind) {
      case 'Nothing': return Promise.resolve(done);
      case 'AddFinalizer': return addFinalizer(ctx, this.resources);
      case 'ReportFailure': return reportFailure(ctx, action);
      case 'NotPermitted': return notPermitted(ctx, action);
      case 'Download': return download(ctx, action, this.store.cacheDir, timeoutMs).finally(() => this.evictUnused(ctx));
      case 'Inspect': return inspect(ctx, action, { store: this.store, verifications: this.verifications, key });
      case 'Distribute': return distribute(ctx, action, this.options);
      case 'Withdraw': return withdraw(ctx, action.hosts, action.charts, timeoutMs);
      case 'ReleaseFinalizer':
        this.verifications.forget(key);
        return releaseFinalizer(ctx, this.resources, action.abandoned);
    }
  }

  /** Keeps the package cache within its size: what no AppPackage refers to goes first. */
  private async evictUnused(ctx: ActionContext): Promise<void> {
    const digests = this.deps.packages.list().flatMap((p) => [p.spec.sha256, p.status?.digest]);
    const inUse = new Set([...digests, ctx.draft.value.digest].filter((d) => d !== undefined).map((d) => d.replace('sha256:', '')));
    const evicted = await this.store.evict(inUse).catch((error: unknown) => {
      ctx.log.warn('Evicting from the package cache failed', { error: (error as Error).message });
      return [];
    });
    if (evicted.length) ctx.log.info('Evicted unused packages from the cache', { count: evicted.length });
  }

  private contextFor(pkg: AppPackage, now: Date, context: ReconcileContext): ActionContext {
    const draft = draftOf(pkg, now);
    return {
      pkg, draft, log: context.log, signal: context.signal,
      commit: () => writeStatus(this.resources, pkg, draft.result()),
      event: (type, reason, message) => this.options.events.record(pkg, type, reason, message),
    };
  }
}

/** Wires the AppPackage controller: packages, the EdgeHosts they target, and re-distribution when hosts change. */
export function registerAppPackageController(manager: Manager, options: AppPackageControllerOptions, store = new PackageStore(options.dataDir)): Controller {
  const packages = manager.informer<AppPackage>(mecmTypes.appPackage);
  const hosts = manager.informer<EdgeHost>(mecmTypes.edgeHost);
  const reconciler = new AppPackageReconciler(packages, hosts,
    new ResourceClient<AppPackage>(manager.hub, mecmTypes.appPackage), new ResourceClient<SecretObject>(manager.hub, coreTypes.secret), store, options);
  const controller = new Controller({ name: 'apppackage', reconciler, workers: options.workers, metrics: manager.metrics, log: manager.log });
  controller.watch(packages, { resyncMs: defaultResyncMs });
  // A host whose labels change may enter or leave a selector, one whose repository moved is
  // pushed to again; its probe status changes nothing here.
  controller.watch(hosts, { map: () => packages.list().map(objectKey), updateMatters: specOrLabelsChanged });
  options.tenancy.watchFor(controller, packages);
  wakeRefusedSiblings(controller, packages, options.tenancy);
  manager.addController(controller);
  return controller;
}
