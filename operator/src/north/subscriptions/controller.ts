/**
 * The subscriptions controller: delivers notifications for NotificationSubscriptions. Keyed by
 * subscription, leader-only like every controller (two replicas never both deliver). A
 * reconcile:
 *
 *   subscription (cache) ─► decideSubscription ─► UpToDate / Suspended / stalled: status only
 *                           (pure, caches)        Wait: requeue when the backoff ends
 *                                                 Deliver:
 *     list the namespace's packages and instances at the API server, plan again
 *     ─► resolve the callback, judge it by the allowlist ─► read the signing key
 *     ─► deliver (stops at the first failure) ─► failure: retry with backoff, or suspend
 *   ─► one status write: records, counters, conditions
 *
 * An AppPackage or AppInstance event wakes the subscriptions of its namespace; a burst of them
 * coalesces in the queue into one reconcile, which sends each object's latest state only.
 */
import type { AppInstance } from '../../api/appinstance.js';
import type { AppPackage } from '../../api/apppackage.js';
import type { EdgeHost } from '../../api/edgehost.js';
import { MAX_FOLLOWED_OBJECTS, type NotificationSubscription, type NotificationSubscriptionStatus } from '../../api/notificationsubscription.js';
import type { SubscriptionConditionType, SubscriptionReason } from '../../api/notificationsubscription-conditions.js';
import { mecmTypes } from '../../api/resources.js';
import type { SecretObject } from '../../controllers/secrets.js';
import { Controller, defaultResyncMs, specOrLabelsChanged } from '../../runtime/controller.js';
import type { EventRecorder } from '../../runtime/events.js';
import { coreTypes, objectKey } from '../../runtime/kube/resource.js';
import { ResourceClient } from '../../runtime/kube/resource-client.js';
import type { Manager } from '../../runtime/manager.js';
import { writeStatus } from '../../runtime/objects.js';
import { done, requeueAfter, type ReconcileContext, type Reconciler, type ReconcileResult } from '../../runtime/reconcile.js';
import { StatusDraft } from '../../runtime/status.js';
import { governedVerdict } from '../../tenancy/governance.js';
import type { Tenancy } from '../../tenancy/tenancy.js';
import type { CallbackPolicy } from './allowlist.js';
import { decideSubscription, specChanged, type Plan } from './decide.js';
import { deliver } from './deliver.js';
import { cachedSubjects, freshSubjects, mecHostOf, readSigningKey, resolveCallback, staticCallbackRefusal, type SubscriptionClients, type SubscriptionSources } from './observe.js';
import { planDeliveries } from './plan.js';
import { bookRound, sortedRecords } from './outcome.js';
import type { RetryPolicy } from './retry.js';
import { summarizeSubscription } from './summarize.js';

export interface SubscriptionControllerOptions {
  readonly workers: number;
  readonly policy: CallbackPolicy;
  readonly retry: RetryPolicy;
  /** Deadline of one POST, and of one DNS lookup. */
  readonly timeoutMs: number;
  /** Notifications of one subscription sent at once. */
  readonly parallel: number;
  /** How soon a refused callback or signing secret is looked at again (DNS and Secrets change unseen). */
  readonly recheckMs: number;
  readonly events: EventRecorder;
  readonly tenancy: Tenancy;
}

type Draft = StatusDraft<NotificationSubscriptionStatus, SubscriptionConditionType, SubscriptionReason>;

/** What a subscription's reconciles remember between them (this process only). */
interface Memory {
  /** The subscription's uid: one deleted and made again under the same name starts afresh. */
  readonly uid: string;
  /** When the backoff after the last failure ends. */
  retryAt?: Date;
  /** Bodies of messages not yet delivered, so a retry sends the same bytes. */
  readonly bodies: Map<string, string>;
  /** The status last written and the resourceVersion it was written over: until the cache moves past that version, it lacks the write. */
  written?: { readonly over: string; readonly status: NotificationSubscriptionStatus };
}

export class SubscriptionReconciler implements Reconciler {
  private readonly memory = new Map<string, Memory>();

  constructor(
    private readonly sources: SubscriptionSources,
    private readonly clients: SubscriptionClients,
    private readonly status: ResourceClient<NotificationSubscription>,
    private readonly options: SubscriptionControllerOptions,
  ) {}

  async reconcile(key: string, context: ReconcileContext): Promise<ReconcileResult> {
    const cached = this.sources.subscriptions.get(key);
    if (!cached) {
      this.memory.delete(key);
      return done;
    }
    const memory = this.memoryOf(key, cached);
    // Our own last write may not have reached the cache yet: read the records it wrote.
    const written = memory.written;
    const subscription = written && written.over === cached.metadata.resourceVersion ? { ...cached, status: written.status } : cached;
    const now = new Date();
    const draft: Draft = new StatusDraft(subscription, summarizeSubscription, now);
    if (specChanged(subscription)) {
      // A new spec resumes a suspended subscription and starts failures afresh.
      for (const field of ['consecutiveFailures', 'failingSince', 'suspendedGeneration'] as const) delete draft.value[field];
      memory.retryAt = undefined;
    }
    const namespace = subscription.metadata.namespace ?? '';
    const step = decideSubscription({
      subscription, now, retryAt: memory.retryAt,
      governed: governedVerdict(this.options.tenancy.governance(namespace)),
      subjects: cachedSubjects(this.sources, namespace),
    });
    let result: ReconcileResult = done;
    // Suspended is True only while a Suspended step says so (or a delivery below suspends).
    if (step.kind !== 'Suspended') draft.set('Suspended', false, 'Active', 'Notifications are delivered.');
    switch (step.kind) {
      case 'NotPermitted':
        draft.markStalled('NotPermitted', step.message);
        break;
      case 'Suspended': {
        const message = step.reason === 'SuspendedBySpec' ? 'spec.suspend is true: nothing is sent until it is false.' : draft.get('Suspended')?.message ?? 'the callback kept failing';
        draft.set('Suspended', true, step.reason, message);
        draft.markSettled();
        break;
      }
      case 'TooManyObjects':
        this.tooMany(draft, step.followed);
        break;
      case 'UpToDate':
        this.upToDate(subscription, draft, step.plan);
        break;
      case 'Wait':
        this.progress(draft, step.plan);
        result = requeueAfter(step.ms);
        break;
      case 'Deliver':
        result = await this.deliver(subscription, draft, memory, context);
    }
    draft.markObserved();
    await this.write(subscription, cached, draft, memory, context);
    return result;
  }

  private memoryOf(key: string, subscription: NotificationSubscription): Memory {
    const uid = subscription.metadata.uid ?? '';
    let memory = this.memory.get(key);
    if (memory?.uid !== uid) {
      memory = { uid, bodies: new Map() };
      this.memory.set(key, memory);
    }
    return memory;
  }

  private tooMany(draft: Draft, followed: number): void {
    draft.value.followed = followed;
    draft.markStalled('TooManyObjects', `the filter matches ${followed} objects; one subscription follows at most ${MAX_FOLLOWED_OBJECTS}: narrow spec.filter (appPackages, appInstances, hosts) or split it into several subscriptions`);
  }

  private progress(draft: Draft, plan: Plan): void {
    draft.value.followed = plan.followed;
    draft.value.pending = plan.outgoing.length;
  }

  private upToDate(subscription: NotificationSubscription, draft: Draft, plan: Plan): void {
    this.progress(draft, plan);
    draft.value.delivered = sortedRecords(plan.records);
    const refusal = staticCallbackRefusal(subscription.spec.callbackUri, this.options.policy);
    if (refusal) draft.markStalled(refusal.reason, refusal.message);
    else draft.markSettled();
  }

  private async deliver(subscription: NotificationSubscription, draft: Draft, memory: Memory, context: ReconcileContext): Promise<ReconcileResult> {
    const namespace = subscription.metadata.namespace ?? '';
    const plan = planDeliveries(subscription.metadata.uid ?? '', subscription.spec.filter, await freshSubjects(this.clients, namespace), subscription.status?.delivered ?? []);
    if (plan.kind === 'TooManyObjects') {
      this.tooMany(draft, plan.followed);
      return done;
    }
    if (plan.outgoing.length === 0) {
      this.upToDate(subscription, draft, plan);
      return done;
    }
    this.progress(draft, plan);
    const callback = await resolveCallback(subscription.spec.callbackUri, this.options.policy, this.options.timeoutMs);
    const signing = callback.ok ? await readSigningKey(this.clients.secrets, subscription) : callback;
    if (!callback.ok || !signing.ok) {
      const refusal = !callback.ok ? callback : signing as Exclude<typeof signing, { ok: true }>;
      draft.markStalled(refusal.reason, refusal.message);
      return requeueAfter(this.options.recheckMs);
    }
    // Bodies of messages a newer state replaced will not be sent again.
    const wanted = new Set(plan.outgoing.map((m) => m.messageId));
    for (const id of memory.bodies.keys()) if (!wanted.has(id)) memory.bodies.delete(id);

    const round = await deliver(plan.outgoing, plan.records, {
      subscription, target: callback.target, key: signing.key, mecHost: (host) => mecHostOf(this.sources, host),
      bodies: memory.bodies, timeoutMs: this.options.timeoutMs, parallel: this.options.parallel, signal: context.signal, now: () => new Date(),
    });
    if (round.delivered > 0) memory.retryAt = undefined;
    const outcome = bookRound(draft.value, round, plan.outgoing.length, subscription.metadata.generation ?? 0, this.options.retry);
    if (round.failure) {
      const { reason, httpStatus } = round.failure;
      context.log.info('Notification not delivered', { reason, httpStatus, host: callback.target.hostname, failures: draft.value.consecutiveFailures, next: outcome.kind });
    }
    switch (outcome.kind) {
      case 'Settled':
        draft.markSettled();
        return done;
      case 'Continue':
        draft.markReconciling('Delivering', outcome.message);
        return requeueAfter(0);
      case 'Suspend':
        draft.set('Suspended', true, 'CallbackFailing', outcome.message);
        draft.markSettled();
        memory.retryAt = undefined;
        return done;
      case 'Retry':
        memory.retryAt = new Date(Date.now() + outcome.afterMs);
        draft.markReconciling('RetryingDelivery', outcome.message);
        return requeueAfter(outcome.afterMs);
    }
  }

  private async write(subscription: NotificationSubscription, cached: NotificationSubscription, draft: Draft, memory: Memory, context: ReconcileContext): Promise<void> {
    const status = draft.result();
    if (!(await writeStatus(this.status, subscription, status))) return;
    memory.written = { over: cached.metadata.resourceVersion ?? '', status: JSON.parse(JSON.stringify(status)) as NotificationSubscriptionStatus };
    const before = subscription.status?.conditions?.find((c) => c.type === 'Ready');
    const after = status.conditions?.find((c) => c.type === 'Ready');
    if (after && (before?.status !== after.status || before.reason !== after.reason) && after.status === 'False' && after.reason !== 'Delivering') {
      await this.options.events.record(subscription, 'Warning', after.reason, after.message);
    }
    context.log.debug('Updated NotificationSubscription status', { ready: after?.status, reason: after?.reason, pending: status.pending });
  }
}

/** Wires the controller: subscriptions, and the packages and instances of their namespaces. */
export function registerSubscriptionController(manager: Manager, options: SubscriptionControllerOptions): Controller {
  const sources: SubscriptionSources = {
    subscriptions: manager.informer<NotificationSubscription>(mecmTypes.notificationSubscription),
    packages: manager.informer<AppPackage>(mecmTypes.appPackage),
    instances: manager.informer<AppInstance>(mecmTypes.appInstance),
    hosts: manager.informer<EdgeHost>(mecmTypes.edgeHost),
  };
  const clients: SubscriptionClients = {
    packages: new ResourceClient<AppPackage>(manager.hub, mecmTypes.appPackage),
    instances: new ResourceClient<AppInstance>(manager.hub, mecmTypes.appInstance),
    secrets: new ResourceClient<SecretObject>(manager.hub, coreTypes.secret),
  };
  const reconciler = new SubscriptionReconciler(sources, clients, new ResourceClient<NotificationSubscription>(manager.hub, mecmTypes.notificationSubscription), options);
  const controller = new Controller({ name: 'north-subscriptions', reconciler, workers: options.workers, metrics: manager.metrics, log: manager.log });
  // Our own status writes do not wake us; a spec change, a label change or the resync does.
  controller.watch(sources.subscriptions, { updateMatters: specOrLabelsChanged, resyncMs: defaultResyncMs });
  const subscribers = (o: { metadata: { namespace?: string } }) => sources.subscriptions.inNamespace(o.metadata.namespace ?? '').map(objectKey);
  controller.watch(sources.packages, { map: subscribers });
  controller.watch(sources.instances, { map: subscribers });
  options.tenancy.watchFor(controller, sources.subscriptions);
  manager.addController(controller);
  return controller;
}
