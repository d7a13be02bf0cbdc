/** Every controller of the operator, wired into the manager from the operator's settings. */
import type { OperatorConfig } from '../config.js';
import { EdgeClients } from '../edge/clients.js';
import { EventRecorder } from '../runtime/events.js';
import type { Manager } from '../runtime/manager.js';
import { PackageStore } from '../packages/store.js';
import { KubernetesPlugin } from '../lcm/kubernetes/plugin.js';
import { LcmPluginRegistry } from '../lcm/registry.js';
import { mecmTypes } from '../api/resources.js';
import type { Tenant } from '../api/tenant.js';
import { Tenancy } from '../tenancy/tenancy.js';
import { registerSubscriptionController } from '../north/subscriptions/controller.js';
import { registerAppDeploymentController } from './appdeployment/controller.js';
import { registerAppInstanceController } from './appinstance/controller.js';
import { registerAppPackageController } from './apppackage/controller.js';
import { registerAppRuleController } from './apprule/controller.js';
import { registerEdgeHostController } from './edgehost/controller.js';
import { registerManagerFleetMetrics } from './fleet-metrics.js';
import { registerTenantController } from './tenant/controller.js';

export function registerControllers(manager: Manager, config: OperatorConfig): void {
  const events = new EventRecorder(manager.hub, 'mecm-operator', config.identity, manager.log);
  const packages = new PackageStore(config.dataDir, { maxCacheBytes: config.cacheSizeBytes });
  // One API client per edge cluster, for the probes and the LCM plugin alike.
  const edgeClients = new EdgeClients({
    qps: config.qps, burst: config.burst, onRequest: manager.metrics.observeRequest,
    policy: { allowExec: config.insecureKubeconfigExec, allowInsecureTls: config.insecureKubeconfigTls },
  });
  // EdgeHost Secrets are read only from the operator's namespace (its Role lists and watches Secrets there alone).
  const operatorNamespace = config.namespace;
  // One view of the Tenants (one shared informer) for every controller that checks what a namespace may use.
  const tenancy = new Tenancy(manager.informer<Tenant>(mecmTypes.tenant), config.enforceTenancy);
  registerEdgeHostController(manager, edgeClients, {
    operatorNamespace,
    workers: config.probeConcurrency,
    defaultIntervalMs: config.probeIntervalSeconds * 1000,
    defaultGraceMs: config.unreachableAfterSeconds * 1000,
    probeTimeoutMs: config.probeTimeoutSeconds * 1000,
    events,
  });
  // Tenant status: what each grant governs, grants and uses (the other controllers enforce it).
  registerTenantController(manager, { workers: config.concurrency, events });
  registerAppPackageController(manager, {
    operatorNamespace,
    workers: config.concurrency,
    dataDir: config.dataDir,
    maxPackageBytes: config.maxPackageBytes,
    timeoutMs: config.requestTimeoutSeconds * 1000,
    deletionTimeoutMs: 10 * 60_000,
    retryErroredHostsMs: 5 * 60_000,
    events,
    tenancy,
  }, packages);
  registerAppRuleController(manager, {
    operatorNamespace,
    workers: config.concurrency,
    requestTimeoutMs: config.probeTimeoutSeconds * 1000,
    driftCheckMs: config.ruleDriftCheckSeconds * 1000,
    taskPollMs: 500,
    taskTimeoutMs: config.mepTaskTimeoutSeconds * 1000,
    events,
    tenancy,
  });
  // NotificationSubscriptions: signed notifications of package and instance states (docs/north.md).
  registerSubscriptionController(manager, {
    workers: config.concurrency, timeoutMs: 10_000, parallel: 4, recheckMs: 5 * 60_000, events, tenancy,
    policy: { entries: config.callbacks.allowlist, allowHttp: config.callbacks.allowHttp },
    retry: { baseMs: 1000, capMs: 10 * 60_000, jitter: 0.2, suspendAfterMs: config.callbacks.suspendAfterSeconds * 1000, suspendAfterFailures: 5 },
  });
  // Fleet gauges (hosts, distributions, phases, stalled objects) and helm/MEP timings on /metrics.
  registerManagerFleetMetrics(manager);
  const plugins = new LcmPluginRegistry([new KubernetesPlugin({ helmBinary: config.helmBinary, maxConcurrentHelm: config.helmConcurrency, clients: edgeClients, log: manager.log.child({ component: 'edge-cache' }) })]);
  registerAppInstanceController(manager, plugins, packages, {
    // Four times the workers: an AppInstance reconcile may wait on helm, and helm slots should not idle while quick reconciles queue.
    operatorNamespace, workers: config.concurrency * 4, steadyCheckMs: 10 * 60_000, waitMs: 5_000, deletionTimeoutMs: 15 * 60_000, events, tenancy,
  });
  registerAppDeploymentController(manager, { workers: config.concurrency, events, tenancy });
}
