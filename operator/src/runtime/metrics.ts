/**
 * Prometheus metrics with controller-runtime's and client-go's names, so existing dashboards
 * and alerts work unchanged. One registry per process (tests make their own).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RequestSample } from './kube/client.js';
import type { WorkQueueHooks } from './workqueue.js';

const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export class RuntimeMetrics {
  readonly registry = new Registry();
  readonly reconcileTotal = new Counter({ name: 'controller_runtime_reconcile_total', help: 'Total number of reconciliations per controller and result.', labelNames: ['controller', 'result'], registers: [this.registry] });
  readonly reconcileErrors = new Counter({ name: 'controller_runtime_reconcile_errors_total', help: 'Total number of reconciliation errors per controller.', labelNames: ['controller'], registers: [this.registry] });
  readonly reconcileTime = new Histogram({ name: 'controller_runtime_reconcile_time_seconds', help: 'Length of time per reconciliation per controller.', labelNames: ['controller'], buckets: latencyBuckets, registers: [this.registry] });
  readonly activeWorkers = new Gauge({ name: 'controller_runtime_active_workers', help: 'Number of currently used workers per controller.', labelNames: ['controller'], registers: [this.registry] });
  readonly maxWorkers = new Gauge({ name: 'controller_runtime_max_concurrent_reconciles', help: 'Maximum number of concurrent reconciles per controller.', labelNames: ['controller'], registers: [this.registry] });
  readonly queueDepth = new Gauge({ name: 'workqueue_depth', help: 'Current depth of workqueue.', labelNames: ['name'], registers: [this.registry] });
  readonly queueAdds = new Counter({ name: 'workqueue_adds_total', help: 'Total number of adds handled by workqueue.', labelNames: ['name'], registers: [this.registry] });
  readonly queueRetries = new Counter({ name: 'workqueue_retries_total', help: 'Total number of retries handled by workqueue.', labelNames: ['name'], registers: [this.registry] });
  readonly queueLatency = new Histogram({ name: 'workqueue_queue_duration_seconds', help: 'How long in seconds an item stays in workqueue before being requested.', labelNames: ['name'], buckets: latencyBuckets, registers: [this.registry] });
  readonly workDuration = new Histogram({ name: 'workqueue_work_duration_seconds', help: 'How long in seconds processing an item from workqueue takes.', labelNames: ['name'], buckets: latencyBuckets, registers: [this.registry] });
  readonly restRequests = new Counter({ name: 'rest_client_requests_total', help: 'Number of HTTP requests, partitioned by status code, method, and host.', labelNames: ['code', 'method', 'host'], registers: [this.registry] });
  readonly restLatency = new Histogram({ name: 'rest_client_request_duration_seconds', help: 'Request latency in seconds, by verb and host.', labelNames: ['verb', 'host'], buckets: latencyBuckets, registers: [this.registry] });
  readonly informerRestarts = new Counter({ name: 'mecm_informer_restarts_total', help: 'Watch restarts of informers, by resource and reason (relist after 410, or error).', labelNames: ['resource', 'reason'], registers: [this.registry] });
  readonly leader = new Gauge({ name: 'leader_election_master_status', help: 'Whether this process is the leader (1) or not (0).', labelNames: ['name'], registers: [this.registry] });

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** Hook for KubeClient's onRequest. */
  readonly observeRequest = (sample: RequestSample): void => {
    this.restRequests.inc({ code: sample.code, method: sample.method, host: sample.host });
    this.restLatency.observe({ verb: sample.method, host: sample.host }, sample.seconds);
  };

  /** Hooks for a controller's work queue. */
  queueHooks(name: string): WorkQueueHooks {
    return {
      onAdd: () => this.queueAdds.inc({ name }),
      onRetry: () => this.queueRetries.inc({ name }),
      onDepth: (depth) => this.queueDepth.set({ name }, depth),
      onQueueLatency: (seconds) => this.queueLatency.observe({ name }, seconds),
    };
  }

  /** Sum of rest_client_requests_total for the given methods (all when none given). */
  async requestCount(methods?: readonly string[]): Promise<number> {
    const metric = await this.restRequests.get();
    return metric.values
      .filter((v) => !methods || methods.includes(String(v.labels.method)))
      .reduce((sum, v) => sum + v.value, 0);
  }
}
