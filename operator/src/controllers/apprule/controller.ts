/**
 * AppRule controller (EdgeGallery's App Rule Manager, made continuous): makes the host's MEP
 * hold exactly the AppRule's traffic and DNS rules, one step per reconcile:
 *
 *   AppRule (informer) ─► finalizer ─► observeRule ─► decideAction ─► one action ─► requeue
 *                                      the id's holder, pure            sets Applied, writes
 *                                      host, Secrets,                   status once, records
 *                                      our MEP task,                    its events
 *                                      the MEP's rules
 *
 * The namespace's Tenant must grant the host and the rules (permission.ts): a refused AppRule
 * (NotPermitted) reads and sends nothing, leaves what the MEP holds, and decides again when a
 * Tenant changes; deleted, it still takes out what it had put at the MEP.
 *
 * One AppRule per host speaks for an appInstanceId (claims.ts): another that names it is refused
 * (AppInstanceIdInUse) before anything is read from or sent to the MEP, and decides again when
 * the holder is gone.
 *
 * A worker never blocks on a MEP task: a change is sent, and later reconciles poll its task
 * (every taskPollMs). In sync, the rule is compared with the MEP again every driftCheckMs, so
 * a MEP that lost or changed the rules is corrected. Ready comes from summarize.ts only.
 */
import { isDeepStrictEqual } from 'node:util';
import type { AppInstance } from '../../api/appinstance.js';
import type { AppRule } from '../../api/apprule.js';
import type { EdgeHost } from '../../api/edgehost.js';
import { mecmTypes } from '../../api/resources.js';
import { Controller, defaultResyncMs, specOrLabelsChanged } from '../../runtime/controller.js';
import type { EventRecorder } from '../../runtime/events.js';
import type { Informer } from '../../runtime/informer.js';
import { coreTypes, objectKey, type KubeObject } from '../../runtime/kube/resource.js';
import { ResourceClient } from '../../runtime/kube/resource-client.js';
import type { Manager } from '../../runtime/manager.js';
import { addFinalizer, isDeleting, removeFinalizer, writeStatus } from '../../runtime/objects.js';
import { done, type ReconcileContext, type Reconciler, type ReconcileResult } from '../../runtime/reconcile.js';
import type { Tenancy } from '../../tenancy/tenancy.js';
import { SecretValues } from '../secret-values.js';
import type { SecretObject } from '../secrets.js';
import type { ActionContext, ActionTiming } from './actions/context.js';
import { create } from './actions/create.js';
import { deleteRules } from './actions/delete.js';
import { inSync } from './actions/in-sync.js';
import { releaseFinalizer } from './actions/release-finalizer.js';
import { reportFailure, reportingFailure } from './actions/report-failure.js';
import { stall } from './actions/stall.js';
import { taskFailed } from './actions/task-failed.js';
import { taskTimedOut } from './actions/task-timed-out.js';
import { update } from './actions/update.js';
import { waitForTask } from './actions/wait-for-task.js';
import { claimIndex, claimKey, claimOf } from './claims.js';
import { decideAction, type AppRuleAction } from './decide.js';
import { commitDraft, draftOf, recordObservedTask } from './draft.js';
import { MepClients } from './mep-clients.js';
import { observeRule, type ObserveDeps } from './observe.js';
import { RunningTasks } from './running-tasks.js';

export const finalizer = 'mecm.io/apprule-cleanup';

export interface AppRuleControllerOptions {
  /** The operator's namespace: the only one whose Secrets an EdgeHost's MEP may name. */
  readonly operatorNamespace: string;
  readonly workers: number;
  readonly requestTimeoutMs: number;
  /** How often an in-sync rule is compared with the MEP again. */
  readonly driftCheckMs: number;
  readonly taskPollMs: number;
  /** A task still PROCESSING after this long is given up on (and the change retried). */
  readonly taskTimeoutMs: number;
  /** How often a rule the MEP refused (token, validation, a name another app holds) is tried again. */
  readonly stalledRetryMs?: number;
  readonly events: EventRecorder;
  /** The Tenants and whether they are enforced: which hosts and rules each namespace's AppRules may use. */
  readonly tenancy: Tenancy;
}

export class AppRuleReconciler implements Reconciler {
  private readonly tasks = new RunningTasks();
  private readonly deps: ObserveDeps;
  private readonly timing: ActionTiming;

  constructor(
    private readonly rules: Informer<AppRule>,
    hosts: Informer<EdgeHost>,
    instances: Informer<AppInstance>,
    private readonly resources: ResourceClient<AppRule>,
    secrets: SecretValues,
    private readonly options: AppRuleControllerOptions,
  ) {
    this.deps = {
      claimants: (hostName, id) => rules.byIndex(claimIndex, claimKey(hostName, id)), instance: (key) => instances.get(key),
      host: (name) => hosts.get(name), governance: (namespace) => options.tenancy.governance(namespace), readSecret: (ref, key) => secrets.read(ref, key), clients: new MepClients(options.requestTimeoutMs), tasks: this.tasks,
    };
    this.timing = { taskPollMs: options.taskPollMs, driftCheckMs: options.driftCheckMs, stalledRetryMs: options.stalledRetryMs ?? 5 * 60_000 };
  }

  async reconcile(key: string, context: ReconcileContext): Promise<ReconcileResult> {
    const cached = this.rules.get(key);
    if (!cached) {
      this.tasks.forget(key);
      return done;
    }
    // The finalizer is on before anything reaches the MEP, so no rule outlives its AppRule.
    const rule = isDeleting(cached) ? cached : await addFinalizer(this.resources, cached, finalizer);
    const now = Date.now();
    const observation = await observeRule(rule, this.deps, now);
    this.tasks.observed(key, observation);
    const action = decideAction({ rule, observation, now, taskTimeoutMs: this.options.taskTimeoutMs });
    const ctx = this.contextFor(rule, context);
    recordObservedTask(ctx.draft, observation);
    return this.run(action, ctx);
  }

  private run(action: AppRuleAction, ctx: ActionContext): Promise<ReconcileResult> {
    switch (action.kind) {
      case 'Stall': return stall(ctx, action.reason, action.message, action.retryMs);
      case 'ReportFailure': return reportFailure(ctx, action.error);
      case 'ReleaseFinalizer': return releaseFinalizer(ctx, action.abandoned, action.notHeld, action.notPermitted);
      case 'WaitForTask': return waitForTask(ctx);
      case 'TaskFailed': return taskFailed(ctx, action.task);
      case 'TaskTimedOut': return taskTimedOut(ctx, action.taskId, action.timeoutMs);
      case 'Create': return reportingFailure(ctx, () => create(ctx, action.client, action.config, action.rulesLost));
      case 'Update': return reportingFailure(ctx, () => update(ctx, action.client, action.config));
      case 'Delete': return reportingFailure(ctx, () => deleteRules(ctx, action.client));
      case 'InSync': return inSync(ctx, action.config);
    }
  }

  private contextFor(rule: AppRule, context: ReconcileContext): ActionContext {
    const draft = draftOf(rule);
    const { events } = this.options;
    return {
      rule, draft, tasks: this.tasks, timing: this.timing, log: context.log,
      commit: () => commitDraft(rule, draft, (status) => writeStatus(this.resources, rule, status)),
      event: (type, reason, message) => events.record(rule, type, reason, message),
      removeFinalizer: () => removeFinalizer(this.resources, rule, finalizer),
    };
  }
}

/**
 * Wires the AppRule controller: rules, the EdgeHosts whose MEP they live on, and what decides
 * who holds an appInstanceId (the other claimants, the AppInstances that own rules).
 */
export function registerAppRuleController(manager: Manager, options: AppRuleControllerOptions): Controller {
  const rules = manager.informer<AppRule>(mecmTypes.appRule);
  const hosts = manager.informer<EdgeHost>(mecmTypes.edgeHost);
  const instances = manager.informer<AppInstance>(mecmTypes.appInstance);
  rules.addIndexer('host', (r) => [r.spec.hostRef.name]);
  rules.addIndexer(claimIndex, (r) => [claimOf(r)]);
  // The EdgeHost controller's Secret metadata watch (shared): token and CA are read again only when they change.
  const secretMetadata = manager.informer<KubeObject>(coreTypes.secret, { metadataOnly: true, namespace: options.operatorNamespace });
  const secrets = new SecretValues(secretMetadata, new ResourceClient<SecretObject>(manager.hub, coreTypes.secret), options.operatorNamespace);
  const reconciler = new AppRuleReconciler(rules, hosts, instances, new ResourceClient<AppRule>(manager.hub, mecmTypes.appRule), secrets, options);
  const controller = new Controller({ name: 'apprule', reconciler, workers: options.workers, metrics: manager.metrics, log: manager.log });
  controller.watch(rules, { resyncMs: defaultResyncMs });
  options.tenancy.watchFor(controller, rules);
  // Only the host's spec (its MEP's URL, token, CA) matters here, not its probe status.
  controller.watch(hosts, { map: (host) => rules.byIndex('host', host.metadata.name ?? '').map(objectKey), updateMatters: specOrLabelsChanged });
  // A claimant that comes, goes or changes owners may change who holds the id: the others decide again
  // (a waiting claimant takes over when the holder is gone; a holder outranked by its instance's rule stands back).
  const otherClaimants = (rule: AppRule) => rules.byIndex(claimIndex, claimOf(rule)).filter((r) => r.metadata.uid !== rule.metadata.uid).map(objectKey);
  controller.watch(rules, { map: otherClaimants, updateMatters: (previous, rule) => !isDeepStrictEqual(previous.metadata.ownerReferences, rule.metadata.ownerReferences) });
  // An AppInstance's id (assigned, or gone with it) decides whether the rules it owns outrank the others.
  controller.watch(instances, {
    map: (instance) => instance.status?.appInstanceId ? rules.byIndex(claimIndex, claimKey(instance.spec.hostRef.name, instance.status.appInstanceId)).map(objectKey) : [],
    updateMatters: (previous, instance) => previous.status?.appInstanceId !== instance.status?.appInstanceId,
  });
  manager.addController(controller);
  return controller;
}
