/**
 * Kubernetes Events for objects, aggregated like client-go's recorder: the same (object, type,
 * reason, message) within the aggregation window bumps `count` and `lastTimestamp` on one
 * Event instead of creating a new one per retry. Recording never throws: a failed event write
 * is logged and dropped, it must not fail a reconcile.
 */
import { randomBytes } from 'node:crypto';
import type { KubeClient } from './kube/client.js';
import { isNotFound } from './kube/errors.js';
import { coreTypes, type KubeObject } from './kube/resource.js';
import { ResourceClient } from './kube/resource-client.js';
import { errorMessage, type Logger } from './logger.js';

export type EventType = 'Normal' | 'Warning';

interface CoreEvent extends KubeObject {
  involvedObject: { apiVersion?: string; kind?: string; name?: string; namespace?: string; uid?: string; resourceVersion?: string };
  reason: string;
  message: string;
  type: EventType;
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
  source: { component: string };
  reportingComponent: string;
  reportingInstance: string;
}

interface Aggregate {
  readonly name: string;
  readonly namespace: string;
  count: number;
  firstTimestamp: string;
  lastSeen: number;
}

const windowMs = 10 * 60_000;
const maxTracked = 4096;

export class EventRecorder {
  private readonly events: ResourceClient<CoreEvent>;
  private readonly seen = new Map<string, Aggregate>();

  constructor(client: KubeClient, private readonly component: string, private readonly instance: string, private readonly log: Logger) {
    this.events = new ResourceClient<CoreEvent>(client, coreTypes.event);
  }

  /** Records an event about `object` (Events of cluster-scoped objects go to `default`). */
  async record(object: KubeObject, type: EventType, reason: string, message: string): Promise<void> {
    const namespace = object.metadata.namespace ?? 'default';
    const key = [object.metadata.uid, type, reason, message].join('\u0000');
    const now = new Date();
    const stamp = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
    const previous = this.seen.get(key);
    try {
      if (previous && now.getTime() - previous.lastSeen < windowMs) {
        previous.count += 1;
        previous.lastSeen = now.getTime();
        try {
          await this.events.patch(previous.name, previous.namespace, 'merge', { count: previous.count, lastTimestamp: stamp });
          return;
        } catch (error) {
          if (!isNotFound(error)) throw error;
        }
      }
      const name = `${object.metadata.name ?? 'object'}.${randomBytes(8).toString('hex')}`;
      await this.events.create({
        metadata: { name, namespace },
        involvedObject: {
          apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name,
          namespace: object.metadata.namespace, uid: object.metadata.uid, resourceVersion: object.metadata.resourceVersion,
        },
        reason, message: message.slice(0, 1024), type, count: 1, firstTimestamp: stamp, lastTimestamp: stamp,
        source: { component: this.component }, reportingComponent: this.component, reportingInstance: this.instance,
      });
      this.remember(key, { name, namespace, count: 1, firstTimestamp: stamp, lastSeen: now.getTime() });
    } catch (error) {
      this.log.warn('Recording an event failed', { reason, error: errorMessage(error) });
    }
  }

  private remember(key: string, aggregate: Aggregate): void {
    if (this.seen.size >= maxTracked) {
      const oldest = this.seen.keys().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    this.seen.set(key, aggregate);
  }
}
