/**
 * AppRule controller (EdgeGallery's App Rule Manager, made continuous): makes the host's MEP
 * hold exactly the AppRule's traffic and DNS rules. Each reconcile reads what the MEP holds,
 * lets decideAction choose one step (create, update, delete, or nothing), starts it, and
 * polls the MEP task on later reconciles — a worker never blocks on a task. When in sync it
 * looks again every drift interval, so a MEP that lost or changed the rules is corrected.
 */
import { createHash } from 'node:crypto';
import type { AppRule, AppRuleStatus } from '../../api/apprule.js';
import type { EdgeHost } from '../../api/edgehost.js';
import { mecmTypes } from '../../api/resources.js';
import { MepClient } from '../../mep/client.js';
import { configDigest } from '../../mep/digest.js';
import { isTransient, MepError } from '../../mep/errors.js';
import type { MepTask } from '../../mep/types.js';
import { ConditionSet, rfc3339, type Condition } from '../../runtime/conditions.js';
import { Controller, defaultResyncMs, specOrLabelsChanged } from '../../runtime/controller.js';
import type { EventRecorder } from '../../runtime/events.js';
import type { Informer } from '../../runtime/informer.js';
import { coreTypes, objectKey } from '../../runtime/kube/resource.js';
import { ResourceClient } from '../../runtime/kube/resource-client.js';
import type { Manager } from '../../runtime/manager.js';
import { addFinalizer, isDeleting, removeFinalizer, writeStatus } from '../../runtime/objects.js';
import { done, ReconcileError, requeueAfter, type ReconcileContext, type Reconciler, type ReconcileResult } from '../../runtime/reconcile.js';
import { readSecretKey, type SecretKeyReference, type SecretObject } from '../secrets.js';
import { decideAction, desiredConfig } from './decide.js';

export const finalizer = 'mecm.io/apprule-cleanup';

export interface AppRuleControllerOptions {
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
}

const Reason = {
  Applied: 'RulesApplied',
  Applying: 'ApplyingRules',
  HostNotFound: 'HostNotFound',
  MEPNotConfigured: 'MEPNotConfigured',
  SecretInvalid: 'MEPSecretInvalid',
  TaskFailed: 'MEPTaskFailed',
  TaskTimedOut: 'MEPTaskTimedOut',
} as const;

export class AppRuleReconciler implements Reconciler {
  /**
   * Our running MEP task per AppRule, with when it started. Kept in memory as well as in
   * status: the informer's copy of our own status write may arrive after the next reconcile,
   * and a stale copy must never make us send a second change while one runs.
   */
  private readonly running = new Map<string, { taskId: string; since: number }>();
  /** One MEP client per host, rebuilt when its URL, token or CA change (one keep-alive agent each). */
  private readonly clients = new Map<string, { key: string; client: MepClient }>();

  constructor(
    private readonly rules: Informer<AppRule>,
    private readonly hosts: Informer<EdgeHost>,
    private readonly resources: ResourceClient<AppRule>,
    private readonly secrets: ResourceClient<SecretObject>,
    private readonly options: AppRuleControllerOptions,
  ) {}

  async reconcile(key: string, context: ReconcileContext): Promise<ReconcileResult> {
    const cached = this.rules.get(key);
    if (!cached) return done;
    const deleting = isDeleting(cached);
    const rule = deleting ? cached : await addFinalizer(this.resources, cached, finalizer);
    const status = new RuleStatus(rule);
    const host = this.hosts.get(rule.spec.hostRef.name);
    if (!host?.spec.mep) {
      if (deleting) return this.release(rule, `EdgeHost ${rule.spec.hostRef.name} ${host ? 'has no MEP' : 'is gone'}; its MEP may still hold the rules.`);
      const reason = host ? Reason.MEPNotConfigured : Reason.HostNotFound;
      const message = host ? `EdgeHost ${host.metadata.name} has no spec.mep; configure its MEP to apply rules.` : `EdgeHost ${rule.spec.hostRef.name} does not exist.`;
      return this.stalled(rule, status, reason, message, 60_000);
    }

    let client: MepClient;
    try {
      client = await this.clientFor(host);
    } catch (error) {
      if (!(error instanceof ReconcileError)) throw error;
      return this.stalled(rule, status, Reason.SecretInvalid, error.message, 60_000);
    }
    try {
      return await this.step(rule, status, client, deleting, context);
    } catch (error) {
      if (!(error instanceof MepError)) throw error;
      const reason = `MEP${error.kind}`;
      const message = `The MEP refused or did not answer: ${error.message}`;
      if (isTransient(error)) {
        status.applied(false, reason, message);
        status.reconciling(reason, message);
        await this.write(rule, status);
        throw new ReconcileError(reason, message);
      }
      return this.stalled(rule, status, reason, message, this.options.stalledRetryMs ?? 5 * 60_000);
    }
  }

  private async step(rule: AppRule, status: RuleStatus, client: MepClient, deleting: boolean, context: ReconcileContext): Promise<ReconcileResult> {
    const id = rule.spec.appInstanceId;
    const running = await this.runningTask(objectKey(rule), rule, status, client);
    if (running === 'failed') {
      await this.write(rule, status);
      throw new ReconcileError(Reason.TaskFailed, status.value.mepDetail ?? 'the MEP task failed');
    }
    const current = running ? undefined : await client.get(id);
    const action = decideAction(rule, { runningTaskId: running || undefined, current, deleting });
    const desired = desiredConfig(rule);
    let task: MepTask | undefined;
    switch (action.kind) {
      case 'WaitForTask':
        await this.write(rule, status);
        return requeueAfter(this.options.taskPollMs);
      case 'InSync': {
        const digest = configDigest(desired);
        const changed = status.value.appliedDigest !== digest;
        status.value.appliedDigest = digest;
        status.value.trafficRuleCount = desired.appTrafficRule.length;
        status.value.dnsRuleCount = desired.appDNSRule.length;
        if (changed) status.value.lastAppliedTime = rfc3339(new Date());
        status.applied(true, Reason.Applied, `The MEP holds ${desired.appTrafficRule.length} traffic and ${desired.appDNSRule.length} DNS rule(s) as specified.`);
        status.settled();
        if (await this.write(rule, status) && changed) {
          context.log.info('Rules applied at the MEP', { digest });
          await this.options.events.record(rule, 'Normal', Reason.Applied, `The MEP holds the rules (${digest.slice(0, 19)}…).`);
        }
        return requeueAfter(this.options.driftCheckMs);
      }
      case 'ReleaseFinalizer':
        return this.release(rule, undefined);
      case 'Create':
        if (status.value.appliedDigest) {
          await this.options.events.record(rule, 'Warning', 'RulesLost', 'The MEP no longer holds the rules; creating them again.');
        }
        task = await client.create(id, desired);
        break;
      case 'Update':
        try {
          task = await client.update(id, desired);
        } catch (error) {
          if (!(error instanceof MepError && error.reason === 'NoChange')) throw error;
          task = await client.delete(id);
        }
        break;
      case 'Delete':
        task = await client.delete(id);
        break;
    }
    this.running.set(objectKey(rule), { taskId: task.taskId, since: Date.now() });
    status.task(task);
    status.applied(false, Reason.Applying, `${action.kind} sent to the MEP (task ${task.taskId}).`);
    status.reconciling(Reason.Applying, `Waiting for MEP task ${task.taskId}.`);
    await this.write(rule, status);
    await this.options.events.record(rule, 'Normal', `Rules${action.kind === 'Create' ? 'Created' : action.kind === 'Update' ? 'Updated' : 'Deleted'}`, `${action.kind} sent to the MEP as task ${task.taskId}.`);
    return requeueAfter(this.options.taskPollMs);
  }

  /** Polls our last task: its id while PROCESSING, '' when settled (or unknown), 'failed' on FAILURE or timeout. */
  private async runningTask(key: string, rule: AppRule, status: RuleStatus, client: MepClient): Promise<string> {
    const remembered = this.running.get(key);
    const fromStatus = rule.status?.configResult === 'PROCESSING' ? rule.status.taskId : undefined;
    const taskId = remembered?.taskId ?? fromStatus;
    if (!taskId) return '';
    const since = remembered?.since ?? Date.now();
    let task: MepTask;
    try {
      task = await client.task(taskId);
    } catch (error) {
      if (error instanceof MepError && error.kind === 'NotFound') {
        this.running.delete(key);
        status.clearTask('The MEP no longer knows the task (it may have restarted).');
        return '';
      }
      throw error;
    }
    status.task(task);
    if (task.configResult === 'PROCESSING') {
      this.running.set(key, { taskId, since });
      if (Date.now() - since < this.options.taskTimeoutMs) return taskId;
      this.running.delete(key);
      status.clearTask(`Task ${taskId} was still PROCESSING after ${Math.round(this.options.taskTimeoutMs / 1000)} s.`);
      status.applied(false, Reason.TaskTimedOut, `MEP task ${taskId} did not finish in time; retrying.`);
      return 'failed';
    }
    this.running.delete(key);
    if (task.configResult === 'FAILURE') {
      status.applied(false, Reason.TaskFailed, `MEP task ${taskId} failed: ${task.detailed ?? 'no detail'}`);
      await this.options.events.record(rule, 'Warning', Reason.TaskFailed, `MEP task ${taskId} failed: ${task.detailed ?? 'no detail'}`);
      return 'failed';
    }
    return '';
  }

  private async stalled(rule: AppRule, status: RuleStatus, reason: string, message: string, retryMs: number): Promise<ReconcileResult> {
    status.applied(false, reason, message);
    status.stalled(reason, message);
    if (await this.write(rule, status)) await this.options.events.record(rule, 'Warning', reason, message);
    return requeueAfter(retryMs);
  }

  private async release(rule: AppRule, warning: string | undefined): Promise<ReconcileResult> {
    if (warning) await this.options.events.record(rule, 'Warning', 'RulesAbandoned', warning);
    await removeFinalizer(this.resources, rule, finalizer);
    return done;
  }

  private write(rule: AppRule, status: RuleStatus): Promise<boolean> {
    status.value.observedGeneration = rule.metadata.generation ?? 0;
    return isDeleting(rule) ? Promise.resolve(false) : writeStatus(this.resources, rule, status.value);
  }

  private async clientFor(host: EdgeHost): Promise<MepClient> {
    const mep = host.spec.mep!;
    const read = async (ref: SecretKeyReference | undefined, key: string) => {
      if (!ref) return undefined;
      const result = await readSecretKey(this.secrets, ref, key);
      if (!result.ok) throw new ReconcileError(Reason.SecretInvalid, `EdgeHost ${host.metadata.name}'s MEP: ${result.message}`);
      return result.value;
    };
    const [token, caPem] = await Promise.all([read(mep.tokenSecretRef, 'token'), read(mep.caSecretRef, 'ca.crt')]);
    const key = createHash('sha256').update(JSON.stringify([mep.url, token?.trim() ?? '', caPem ?? ''])).digest('hex');
    const name = host.metadata.name ?? '';
    const cached = this.clients.get(name);
    if (cached?.key === key) return cached.client;
    cached?.client.close();
    const client = new MepClient({ url: mep.url, token: token?.trim(), caPem, timeoutMs: this.options.requestTimeoutMs });
    this.clients.set(name, { key, client });
    return client;
  }
}

/** The status of one reconcile: conditions kept with metav1 semantics, written once. */
class RuleStatus {
  readonly value: AppRuleStatus;
  private readonly conditions: ConditionSet;

  constructor(rule: AppRule) {
    this.value = JSON.parse(JSON.stringify(rule.status ?? {})) as AppRuleStatus;
    this.conditions = new ConditionSet(rule.status?.conditions as Condition[] | undefined, rule.metadata.generation ?? 0, new Date());
  }

  private set(type: string, ok: boolean, reason: string, message: string): void {
    this.conditions.set(type, ok, reason, message);
    this.value.conditions = this.conditions.list as AppRuleStatus['conditions'];
  }

  private remove(type: string): void {
    this.conditions.remove(type);
    this.value.conditions = this.conditions.list as AppRuleStatus['conditions'];
  }

  applied(ok: boolean, reason: string, message: string): void {
    this.set('Applied', ok, reason, message);
    this.set('Ready', ok, reason, message);
  }

  reconciling(reason: string, message: string): void {
    this.set('Reconciling', true, reason, message);
    this.remove('Stalled');
  }

  stalled(reason: string, message: string): void {
    this.set('Stalled', true, reason, message);
    this.remove('Reconciling');
  }

  settled(): void {
    this.remove('Reconciling');
    this.remove('Stalled');
  }

  task(task: MepTask): void {
    this.value.taskId = task.taskId;
    this.value.configResult = task.configResult;
    if (task.configPhase !== undefined) this.value.configPhase = task.configPhase;
    if (task.detailed !== undefined) this.value.mepDetail = task.detailed.slice(0, 4000);
  }

  clearTask(detail: string): void {
    this.value.configResult = 'UNKNOWN';
    this.value.mepDetail = detail;
  }
}

/** Wires the AppRule controller: rules, and the EdgeHosts whose MEP they live on. */
export function registerAppRuleController(manager: Manager, options: AppRuleControllerOptions): Controller {
  const rules = manager.informer<AppRule>(mecmTypes.appRule);
  const hosts = manager.informer<EdgeHost>(mecmTypes.edgeHost);
  rules.addIndexer('host', (r) => [r.spec.hostRef.name]);
  const reconciler = new AppRuleReconciler(rules, hosts, new ResourceClient<AppRule>(manager.hub, mecmTypes.appRule),
    new ResourceClient<SecretObject>(manager.hub, coreTypes.secret), options);
  const controller = new Controller({ name: 'apprule', reconciler, workers: options.workers, metrics: manager.metrics, log: manager.log });
  controller.watch(rules, { resyncMs: defaultResyncMs });
  // Only the host's spec (its MEP's URL, token, CA) matters here, not its probe status.
  controller.watch(hosts, { map: (host) => rules.byIndex('host', host.metadata.name ?? '').map(objectKey), updateMatters: specOrLabelsChanged });
  manager.addController(controller);
  return controller;
}
