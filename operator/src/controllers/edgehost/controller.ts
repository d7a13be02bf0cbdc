/**
 * EdgeHost controller (EdgeGallery's Inventory, made live). A reconcile:
 *
 *   probeDue? ──no──► requeue at the due time (our own status write, a resync: no probe)
 *      │ yes
 *   observeHost (probe cluster, repository, MEP side by side)
 *      ▼
 *   decideStatus (pure: conditions, facts, grace period, next probe time)
 *      ▼
 *   recordProbe (write only when changed; event when Ready flips) ──► requeue at next probe
 *
 * A change of the other hosts with its address (AddressConflict on Ready) decides again at once.
 * The number of workers bounds how many hosts are probed at once.
 */
import type { EdgeHost } from '../../api/edgehost.js';
import { mecmTypes } from '../../api/resources.js';
import type { AppInstance } from '../../api/appinstance.js';
import type { EdgeClients } from '../../edge/clients.js';
import { Controller, defaultResyncMs } from '../../runtime/controller.js';
import type { EventRecorder } from '../../runtime/events.js';
import type { Informer } from '../../runtime/informer.js';
import { coreTypes, objectKey, type KubeObject } from '../../runtime/kube/resource.js';
import { ResourceClient } from '../../runtime/kube/resource-client.js';
import type { Manager } from '../../runtime/manager.js';
import { done, requeueAfter, type ReconcileContext, type Reconciler, type ReconcileResult } from '../../runtime/reconcile.js';
import { edgeHostSecretKey, type SecretObject } from '../secrets.js';
import { recordProbe } from './actions/record-probe.js';
import { addressesOf, addressIndex } from './addresses.js';
import { decideStatus, probeDue, type ProbeSettings, type Scheduled } from './decide.js';
import { addressConflictOf, observeHost, type ObserveDeps } from './observe.js';
import { SecretValues } from '../secret-values.js';

export interface EdgeHostControllerOptions {
  /** The operator's namespace: the only one whose Secrets hosts may name, and the only one whose Secrets are watched. */
  readonly operatorNamespace: string;
  readonly workers: number;
  readonly defaultIntervalMs: number;
  readonly defaultGraceMs: number;
  readonly probeTimeoutMs: number;
  readonly retryBaseMs?: number;
  readonly events: EventRecorder;
}

export class EdgeHostReconciler implements Reconciler {
  /** Probe memory per host: lost on restart by design (a restart probes every host once). */
  private readonly schedule = new Map<string, Scheduled>();

  constructor(
    private readonly hosts: Informer<EdgeHost>,
    private readonly secretMetadata: Informer<KubeObject>,
    private readonly client: ResourceClient<EdgeHost>,
    private readonly deps: ObserveDeps,
    private readonly options: EdgeHostControllerOptions,
  ) {}

  async reconcile(name: string, context: ReconcileContext): Promise<ReconcileResult> {
    const host = this.hosts.get(name);
    if (!host) {
      this.schedule.delete(name);
      return done;
    }
    const inputs = this.inputsOf(host);
    const scheduled = this.schedule.get(name);
    const due = probeDue(scheduled, inputs, Date.now());
    if (!due.due) return requeueAfter(due.inMs);

    const observation = await observeHost(host, this.deps);
    const decision = decideStatus({
      status: host.status, generation: host.metadata.generation ?? 0, observation,
      memory: scheduled?.memory, settings: this.settingsFor(host), now: new Date(),
    });
    this.schedule.set(name, { memory: decision.memory, dueMs: Date.now() + decision.nextProbeMs, inputs });
    await recordProbe(host, decision.status, { client: this.client, events: this.options.events, log: context.log });
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

  /**
   * The spec generation, the versions of every Secret the host refers to and the other hosts
   * with its address: a change of any decides the status again at once.
   */
  private inputsOf(host: EdgeHost): string {
    const versions = secretRefsOf(host, this.options.operatorNamespace).map((key) => {
      const meta = this.secretMetadata.get(key);
      return `${key}@${meta?.metadata.resourceVersion ?? 'absent'}`;
    });
    const sharing = addressConflictOf(host, this.deps)?.others ?? [];
    return [host.metadata.generation ?? 0, ...versions, ...sharing.map((name) => `address:${name}`)].join(',');
  }
}

/** `namespace/name` of every Secret an EdgeHost refers to (an omitted namespace is the operator's). */
export function secretRefsOf(host: EdgeHost, operatorNamespace: string): string[] {
  const refs = [host.spec.infrastructure.kubeconfigSecretRef, host.spec.repository.credentialsSecretRef,
    host.spec.repository.caSecretRef, host.spec.mep?.tokenSecretRef, host.spec.mep?.caSecretRef];
  return [...new Set(refs.filter((r) => r !== undefined).map((r) => edgeHostSecretKey(r, operatorNamespace)))].sort();
}

/**
 * The other hosts to decide again when `host` is added, deleted or given another spec: those
 * with its address, and those with its previous one (the conflict may have ended). Status
 * writes and resyncs (same generation) concern the host alone.
 */
function sharingAddressWith(hosts: Informer<EdgeHost>, host: EdgeHost, previous: EdgeHost | undefined): string[] {
  if (previous && previous.metadata.generation === host.metadata.generation) return [];
  const addresses = new Set([...addressesOf(host), ...(previous ? addressesOf(previous) : [])]);
  return [...addresses].flatMap((a) => hosts.byIndex(addressIndex, a)).filter((h) => h.metadata.name !== host.metadata.name).map(objectKey);
}

/** Wires the EdgeHost controller into the manager: its informers, indexes and event sources. */
export function registerEdgeHostController(manager: Manager, clients: EdgeClients, options: EdgeHostControllerOptions): Controller {
  const hosts = manager.informer<EdgeHost>(mecmTypes.edgeHost);
  // Secrets are listed and watched in the operator's namespace only (the Role grants no more):
  // metadata only, so no Secret contents sit in memory.
  const secrets = manager.informer<KubeObject>(coreTypes.secret, { metadataOnly: true, namespace: options.operatorNamespace });
  const instances = manager.informer<AppInstance>(mecmTypes.appInstance);
  hosts.addIndexer('secret', (host) => secretRefsOf(host, options.operatorNamespace));
  hosts.addIndexer(addressIndex, addressesOf);
  instances.addIndexer('host', (i) => [i.spec.hostRef.name]);

  const deps = {
    secrets: new SecretValues(secrets, new ResourceClient<SecretObject>(manager.hub, coreTypes.secret), options.operatorNamespace),
    clients,
    appInstanceCount: (host: string) => instances.byIndex('host', host).length,
    hostsAt: (address: string) => hosts.byIndex(addressIndex, address),
    timeoutMs: options.probeTimeoutMs,
  };
  const reconciler = new EdgeHostReconciler(hosts, secrets, new ResourceClient<EdgeHost>(manager.hub, mecmTypes.edgeHost), deps, options);
  const controller = new Controller({ name: 'edgehost', reconciler, workers: options.workers, metrics: manager.metrics, log: manager.log });
  controller.watch(hosts, { resyncMs: defaultResyncMs, map: (host, previous) => [objectKey(host), ...sharingAddressWith(hosts, host, previous)] });
  controller.watch(secrets, { map: (secret) => hosts.byIndex('secret', objectKey(secret)).map(objectKey) });
  controller.watch(instances, { map: (instance) => [instance.spec.hostRef.name] });
  manager.addController(controller);
  return controller;
}
