/**
 * AppDeployment controller: one spec, an app on many EdgeHosts. Each reconcile reads the
 * deployment through to the API (the wave recorded in status must be the latest), observes
 * hosts, package, Tenant and instances from the caches, decides one step, runs it, and writes
 * the status once:
 *
 *   GET deployment ─► observe ─► decide ─► StartWave ──────► status write (the wave) ─► requeue
 *                                       ├► UpdateInstances ─► one write per instance ─► status
 *                                       ├► Remove ──────────► delete / orphan ────────► status
 *                                       └► Wait / Paused / Complete ─────────────────► status
 *
 * A wave is in status before any of its instances is written, and an instance already on the
 * revision is never written again, so a killed operator resumes the wave it was in.
 */
import { isDeepStrictEqual } from 'node:util';
import type { AppDeployment, AppDeploymentStatus } from '../../api/appdeployment.js';
import type { AppInstance } from '../../api/appinstance.js';
import type { AppPackage } from '../../api/apppackage.js';
import type { EdgeHost } from '../../api/edgehost.js';
import { mecmTypes } from '../../api/resources.js';
import { Controller, defaultResyncMs } from '../../runtime/controller.js';
import type { EventRecorder } from '../../runtime/events.js';
import type { Informer } from '../../runtime/informer.js';
import { isNotFound } from '../../runtime/kube/errors.js';
import { objectKey, splitKey } from '../../runtime/kube/resource.js';
import { ResourceClient } from '../../runtime/kube/resource-client.js';
import type { Manager } from '../../runtime/manager.js';
import { done, requeueAfter, type ReconcileContext, type Reconciler, type ReconcileResult } from '../../runtime/reconcile.js';
import type { Tenancy } from '../../tenancy/tenancy.js';
import type { AppDeploymentActionContext } from './actions/context.js';
import { removeInstances } from './actions/remove-instances.js';
import { updateInstances } from './actions/update-instances.js';
import { decide, type AppDeploymentAction } from './decide.js';
import { controllingDeployment, observe, ownerIndex, type ObserveDeps } from './observe.js';
import { appDeploymentDraft, recordStatus } from './summarize.js';

export interface AppDeploymentControllerOptions {
  readonly workers: number;
  readonly events: EventRecorder;
  readonly tenancy: Tenancy;
  /** Longest wait between looks while a rollout waits on time (gate, bake, pause); instance events come sooner. */
  readonly maxWaitMs?: number;
}

export class AppDeploymentReconciler implements Reconciler {
  constructor(
    private readonly deployments: Informer<AppDeployment>,
    private readonly client: ResourceClient<AppDeployment>,
    private readonly instanceClient: ResourceClient<AppInstance>,
    private readonly deps: ObserveDeps,
    private readonly options: AppDeploymentControllerOptions,
  ) {}

  async reconcile(key: string, context: ReconcileContext): Promise<ReconcileResult> {
    if (!this.deployments.get(key)) return done;
    const { namespace, name } = splitKey(key);
    const deployment = await this.client.get(name, namespace).catch((e: unknown) => { if (isNotFound(e)) return undefined; throw e; });
    // Being deleted: the garbage collector removes the instances it owns (their finalizers run).
    if (!deployment || deployment.metadata.deletionTimestamp) return done;
    const now = new Date();
    const draft = appDeploymentDraft(deployment, now);
    const observed = observe(deployment, this.deps, now);
    const decision = decide(observed.observation);
    const action = decision.action;
    context.log.debug('Decided', { action: action.kind });
    recordStatus(draft, observed.revision, observed.placement, observed.hosts, decision);
    const ctx: AppDeploymentActionContext = {
      deployment, draft, log: context.log, revision: observed.revision, hosts: observed.hosts, instances: observed.instances, client: this.instanceClient,
      event: (type, reason, message) => this.options.events.record(deployment, type, reason, message),
      commit: () => {
        draft.markObserved();
        return replaceStatus(this.client, deployment, draft.result());
      },
    };
    const result = await this.run(action, ctx);
    await ctx.commit();
    return result;
  }

  private async run(action: AppDeploymentAction, ctx: AppDeploymentActionContext): Promise<ReconcileResult> {
    const maxWaitMs = this.options.maxWaitMs ?? 60_000;
    switch (action.kind) {
      case 'StartWave':
        // Only the status write: the wave is on record before any instance changes.
        await ctx.event('Normal', 'WaveStarted', `Wave ${action.wave.number} of revision ${action.wave.revision}: ${action.wave.hosts.join(', ')}`);
        return requeueAfter(0);
      case 'UpdateInstances': {
        const outcome = await updateInstances(action.hosts, ctx);
        if (outcome.kind === 'Refused') {
          ctx.draft.set('Progressing', false, 'InstanceRefused', outcome.message);
          ctx.draft.markStalled('InstanceRefused', outcome.message);
          return done;
        }
        return outcome.kind === 'Done' ? requeueAfter(maxWaitMs) : requeueAfter(500);
      }
      case 'Remove':
        await removeInstances(action.policy, action.instances, ctx);
        return requeueAfter(500);
      case 'Wait':
        return requeueAfter(Math.min(maxWaitMs, Math.max(200, action.afterMs ?? maxWaitMs)));
      case 'Paused':
        if (action.reason === 'GateFailed' && ctx.deployment.status?.conditions?.find((c) => c.type === 'Paused')?.reason !== 'GateFailed') {
          await ctx.event('Warning', 'GateFailed', `Revision ${ctx.revision} failed its health gate on ${action.hosts.join(', ')}; the rollout is paused`);
        }
        return done;
      case 'Complete': case 'NotPermitted':
        return done;
    }
  }
}

/**
 * Writes `status` whole (PUT to /status with the resourceVersion read) when it differs. A merge
 * patch would keep fields of status.wave that the new wave no longer has (its completionTime
 * would end the new wave at once); the PUT also makes two writers of one wave conflict.
 */
async function replaceStatus(client: ResourceClient<AppDeployment>, deployment: AppDeployment, status: AppDeploymentStatus): Promise<boolean> {
  const wire = JSON.parse(JSON.stringify(status)) as AppDeploymentStatus;
  if (isDeepStrictEqual(deployment.status, wire)) return false;
  await client.updateStatus({ ...deployment, status: wire });
  return true;
}

/** Wires the AppDeployment controller: deployments, the instances they own, hosts, packages and Tenants. */
export function registerAppDeploymentController(manager: Manager, options: AppDeploymentControllerOptions): Controller {
  const deployments = manager.informer<AppDeployment>(mecmTypes.appDeployment);
  const instances = manager.informer<AppInstance>(mecmTypes.appInstance);
  const hosts = manager.informer<EdgeHost>(mecmTypes.edgeHost);
  const packages = manager.informer<AppPackage>(mecmTypes.appPackage);
  instances.addIndexer(ownerIndex, (i) => { const uid = controllingDeployment(i); return uid ? [uid] : []; });
  deployments.addIndexer('uid', (d) => [d.metadata.uid ?? '']);
  deployments.addIndexer('package', (d) => [`${d.metadata.namespace ?? ''}/${d.spec.template.packageRef.name}`]);
  const reconciler = new AppDeploymentReconciler(
    deployments, new ResourceClient<AppDeployment>(manager.hub, mecmTypes.appDeployment), new ResourceClient<AppInstance>(manager.hub, mecmTypes.appInstance),
    { hosts, instances, packages, tenancy: options.tenancy }, options,
  );
  const controller = new Controller({ name: 'appdeployment', reconciler, workers: options.workers, metrics: manager.metrics, log: manager.log });
  controller.watch(deployments, { resyncMs: defaultResyncMs });
  // An instance's change (its Ready, its revision) moves the rollout of the deployment controlling it.
  controller.watch(instances, {
    map: (i, previous) => [...new Set([i, previous].flatMap((o) => {
      const uid = o ? controllingDeployment(o) : undefined;
      return uid ? deployments.byIndex('uid', uid).map(objectKey) : [];
    }))],
  });
  // A host joining, leaving or changing labels or capabilities may change every placement.
  controller.watch(hosts, {
    updateMatters: (previous, host) => previous.metadata.generation !== host.metadata.generation
      || JSON.stringify(previous.metadata.labels ?? {}) !== JSON.stringify(host.metadata.labels ?? {}) || previous.metadata.deletionTimestamp !== host.metadata.deletionTimestamp,
    map: () => deployments.list().map(objectKey),
  });
  // The package's image architectures are placement requirements.
  controller.watch(packages, {
    updateMatters: (previous, p) => JSON.stringify(previous.status?.images ?? []) !== JSON.stringify(p.status?.images ?? []),
    map: (p) => deployments.byIndex('package', objectKey(p)).map(objectKey),
  });
  options.tenancy.watchFor(controller, deployments);
  manager.addController(controller);
  return controller;
}
