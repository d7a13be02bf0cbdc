/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go does it:
 * - a candidate takes the lease when it is free, or when its holder has not renewed it for
 *   leaseDuration as measured by this process's own clock since it last saw the record change
 *   (so clocks of different machines never need to agree);
 * - the leader renews every retryPeriod and gives up (onStoppedLeading) when it could not
 *   renew for renewDeadline, which is shorter than leaseDuration: the old leader has stopped
 *   before anyone else may take over;
 * - on a clean stop the leader releases the lease so a successor starts at once.
 * Defaults are Flux's: 35 s lease, 30 s renew deadline, 5 s retry period.
 */
import type { KubeClient } from './kube/client.js';
import { isAlreadyExists, isConflict, isNotFound } from './kube/errors.js';
import { coreTypes, type KubeObject } from './kube/resource.js';
import { ResourceClient } from './kube/resource-client.js';
import { errorMessage, sleep, type Logger } from './logger.js';

export interface LeaderElectionOptions {
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  readonly onStartedLeading: () => void | Promise<void>;
  /** Called at once when leadership is lost or released; must stop all work. */
  readonly onStoppedLeading: () => void | Promise<void>;
}

interface Lease extends KubeObject {
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

const microTime = (date: Date) => date.toISOString().replace('Z', '000Z');

export class LeaderElector {
  private readonly leases: ResourceClient<Lease>;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private observed: { resourceVersion?: string; at: number } = { at: 0 };
  private leading = false;

  constructor(client: KubeClient, private readonly options: LeaderElectionOptions, private readonly log: Logger) {
    this.leases = new ResourceClient<Lease>(client, coreTypes.lease);
    this.leaseDurationMs = options.leaseDurationMs ?? 35_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 30_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 5_000;
    if (this.renewDeadlineMs >= this.leaseDurationMs) throw new Error('renewDeadline must be shorter than leaseDuration');
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Campaigns, leads, and campaigns again after a loss, until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      if (!(await this.tryAcquireOrRenew())) {
        await sleep(this.retryPeriodMs * (1 + Math.random() * 0.2), signal);
        continue;
      }
      this.leading = true;
      this.log.info('Became leader', { lease: `${this.options.namespace}/${this.options.name}`, identity: this.options.identity });
      await this.options.onStartedLeading();
      await this.renewUntilLost(signal);
      this.leading = false;
      await this.options.onStoppedLeading();
      if (signal.aborted) await this.release();
    }
  }

  private async renewUntilLost(signal: AbortSignal): Promise<void> {
    let lastRenew = Date.now();
    while (!signal.aborted) {
      await sleep(this.retryPeriodMs, signal);
      if (signal.aborted) return;
      if (await this.tryAcquireOrRenew()) {
        lastRenew = Date.now();
      } else if (Date.now() - lastRenew >= this.renewDeadlineMs || this.heldByOther()) {
        this.log.warn('Lost leadership', { lease: `${this.options.namespace}/${this.options.name}` });
        return;
      }
    }
  }

  private heldBy: string | undefined;

  private heldByOther(): boolean {
    return this.heldBy !== undefined && this.heldBy !== '' && this.heldBy !== this.options.identity;
  }

  /** One attempt; true when this process holds the lease afterwards. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = new Date();
    const { namespace, name, identity } = this.options;
    const spec = { holderIdentity: identity, leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000), renewTime: microTime(now) };
    try {
      let lease: Lease;
      try {
        lease = await this.leases.get(name, namespace);
      } catch (error) {
        if (!isNotFound(error)) throw error;
        await this.leases.create({ metadata: { name, namespace }, spec: { ...spec, acquireTime: microTime(now), leaseTransitions: 0 } });
        this.heldBy = identity;
        return true;
      }
      if (lease.metadata.resourceVersion !== this.observed.resourceVersion) {
        this.observed = { resourceVersion: lease.metadata.resourceVersion, at: Date.now() };
      }
      const holder = lease.spec?.holderIdentity ?? '';
      this.heldBy = holder;
      const expired = Date.now() - this.observed.at >= (lease.spec?.leaseDurationSeconds ?? 0) * 1000;
      if (holder && holder !== identity && !expired) return false;
      const takingOver = holder !== identity;
      const updated = await this.leases.update({
        ...lease,
        spec: {
          ...lease.spec, ...spec,
          acquireTime: takingOver ? microTime(now) : lease.spec?.acquireTime ?? microTime(now),
          leaseTransitions: (lease.spec?.leaseTransitions ?? 0) + (takingOver && holder ? 1 : 0),
        },
      });
      this.observed = { resourceVersion: updated.metadata.resourceVersion, at: Date.now() };
      this.heldBy = identity;
      return true;
    } catch (error) {
      if (!isConflict(error) && !isAlreadyExists(error)) {
        this.log.warn('Lease update failed', { lease: `${namespace}/${name}`, error: errorMessage(error) });
      }
      return false;
    }
  }

  /** Hands the lease back (holder cleared, 1 s duration) so a successor need not wait it out. */
  private async release(): Promise<void> {
    try {
      const lease = await this.leases.get(this.options.name, this.options.namespace);
      if (lease.spec?.holderIdentity !== this.options.identity) return;
      await this.leases.update({ ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1 } });
      this.log.info('Released leadership', { lease: `${this.options.namespace}/${this.options.name}` });
    } catch (error) {
      this.log.warn('Releasing the lease failed', { error: errorMessage(error) });
    }
  }
}
