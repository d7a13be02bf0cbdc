/**
 * EdgeHost controller (EdgeGallery's Inventory, made live): each reconcile probes one host's
 * edge cluster, repository and MEP, computes its status with decideStatus, writes it only
 * when it changed, records an event when Ready flips, and schedules the next probe. The
 * number of workers bounds how many hosts are probed at once.
 */
import type { EdgeHost } from '../../api/edgehost.js';
import { mecmTypes } from '../../api/resources.js';
import type { AppInstance } from '../../api/appinstance.js';
import { findCondition, type Condition } from '../../runtime/conditions.js';
import { Controller, defaultResyncMs } from '../../runtime/controller.js';
import type { EventRecorder } from '../../runtime/events.js';
import type { Informer } from '../../runtime/informer.js';
import { coreTypes, objectKey, type KubeObject } from '../../runtime/kube/resource.js';
import { ResourceClient } from '../../runtime/kube/resource-client.js';
import type { Manager } from '../../runtime/manager.js';
import { writeStatus } from '../../runtime/objects.js';
import { done, requeueAfter, type ReconcileContext, type Reconciler, type ReconcileResult } from '../../runtime/reconcile.js';
import { decideStatus, type ProbeMemory, type ProbeSettings } from './decide.js';
import type { EdgeClients } from '../../edge/clients.js';
import { observeHost, type ObserveDeps } from './observe.js';
import { ConditionType } from './reasons.js';
import { SecretValues } from './secret-values.js';
import type { SecretObject } from '../secrets.js';

export interface EdgeHostControllerOptions {
  readonly workers: number;
  readonly defaultIntervalMs: number;
  readonly defaultGraceMs: number;
  readonly probeTimeoutMs: number;
  readonly retryBaseMs?: number;
  readonly events: EventRecorder;
}

interface Scheduled {
  readonly memory: ProbeMemory;
  readonly dueMs: number;
  /** What the last probe depended on: a change to any of it probes again at once. */
  readonly inputs: string;
}

export class EdgeHostReconciler implements Reconciler {
  private readonly schedule = new Map<string, Scheduled>();

  constructor(
    private readonly hosts: Informer<EdgeHost>,
    private readonly secretMetadata: Informer<KubeObject>,
    private readonly status: ResourceClient<EdgeHost>,
    private readonly deps: ObserveDeps,
    private readonly options: EdgeHostControllerOptions,
  ) {}

  async reconcile(name: string, context: ReconcileContext): Promise<ReconcileResult> {
    const host = this.hosts.get(name);
    if (!host) {
      this.schedule.delete(name);
      return done;
    }
    const now = Date.now();
    const inputs = this.inputsOf(host);
    const scheduled = this.schedule.get(name);
    // Our own status write, a resync or an unrelated event must not cause an early probe.
    if (scheduled && scheduled.inputs === inputs && now < scheduled.dueMs) return requeueAfter(scheduled.dueMs - now);

    const observation = await observeHost(host, this.deps);
    const decision = decideStatus({
      status: host.status, generation: host.metadata.generation ?? 0, observation,
      memory: scheduled?.memory, settings: this.settingsFor(host), now: new Date(),
    });
    this.schedule.set(name, { memory: decision.memory, dueMs: Date.now() + decision.nextProbeMs, inputs });
    if (await writeStatus(this.status, host, decision.status)) {
      context.log.info('Updated EdgeHost status', { ready: readyOf(decision.status.conditions)?.status, reason: readyOf(decision.status.conditions)?.reason });
      await this.recordReadyChange(host, decision.status.conditions);
    }
    return requeueAfter(decision.nextProbeMs);
  }

  private settingsFor(host: EdgeHost): ProbeSettings {
    const probe = host.spec.probe;
    return {
      intervalMs: probe?.intervalSeconds ? probe.intervalSeconds * 1000 : this.options.defaultIntervalMs,
      graceMs: probe?.unreachableAfterSeconds ? probe.unreachableAfterSeconds * 1000 : this.options.defaultGraceMs,
      retryBaseMs: this.options.retryBaseMs ?? 1000,
    };
  }

  /** The spec generation and the versions of every Secret the host refers to. */
  private inputsOf(host: EdgeHost): string {
    const versions = secretRefsOf(host).map((key) => {
      const meta = this.secretMetadata.get(key);
      return `${key}@${meta?.metadata.resourceVersion ?? 'absent'}`;
    });
    return [host.metadata.generation ?? 0, ...versions].join(',');
  }

  private async recordReadyChange(host: EdgeHost, conditions: readonly Condition[] | undefined): Promise<void> {
    const before = readyOf(host.status?.conditions);
    const after = readyOf(conditions);
    if (!after || before?.status === after.status) return;
    await this.options.events.record(host, after.status === 'True' ? 'Normal' : 'Warning', after.reason, after.message);
  }
}

function readyOf(conditions: readonly Condition[] | undefined): Condition | undefined {
  return findCondition(conditions, ConditionType.Ready);
}

/** `namespace/name` of every Secret an EdgeHost refers to. */
export function secretRefsOf(host: EdgeHost): string[] {
  const refs = [host.spec.infrastructure.kubeconfigSecretRef, host.spec.repository.credentialsSecretRef,
    host.spec.repository.caSecretRef, host.spec.mep?.tokenSecretRef, host.spec.mep?.caSecretRef];
  return [...new Set(refs.filter((r) => r !== undefined).map((r) => `${r.namespace}/${r.name}`))].sort();
}

/** Wires the EdgeHost controller into the manager: its informers, indexes and event sources. */
export function registerEdgeHostController(manager: Manager, clients: EdgeClients, options: EdgeHostControllerOptions): Controller {
  const hosts = manager.informer<EdgeHost>(mecmTypes.edgeHost);
  const secrets = manager.informer<KubeObject>(coreTypes.secret, { metadataOnly: true });
  const instances = manager.informer<AppInstance>(mecmTypes.appInstance);
  hosts.addIndexer('secret', secretRefsOf);
  instances.addIndexer('host', (i) => [i.spec.hostRef.name]);

  const deps = {
    secrets: new SecretValues(secrets, new ResourceClient<SecretObject>(manager.hub, coreTypes.secret)),
    clients,
    appInstanceCount: (host: string) => instances.byIndex('host', host).length,
    timeoutMs: options.probeTimeoutMs,
  };
  const reconciler = new EdgeHostReconciler(hosts, secrets, new ResourceClient<EdgeHost>(manager.hub, mecmTypes.edgeHost), deps, options);
  const controller = new Controller({ name: 'edgehost', reconciler, workers: options.workers, metrics: manager.metrics, log: manager.log });
  controller.watch(hosts, { resyncMs: defaultResyncMs });
  controller.watch(secrets, { map: (secret) => hosts.byIndex('secret', objectKey(secret)).map(objectKey) });
  controller.watch(instances, { map: (instance) => [instance.spec.hostRef.name] });
  manager.addController(controller);
  return controller;
}
