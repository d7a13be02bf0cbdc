/** Every controller of the operator, wired into the manager from the operator's settings. */
import type { OperatorConfig } from '../config.js';
import { EventRecorder } from '../runtime/events.js';
import type { Manager } from '../runtime/manager.js';
import { registerAppPackageController } from './apppackage/controller.js';
import { registerAppRuleController } from './apprule/controller.js';
import { registerEdgeHostController } from './edgehost/controller.js';

export function registerControllers(manager: Manager, config: OperatorConfig): void {
  const events = new EventRecorder(manager.hub, 'mecm-operator', config.identity, manager.log);
  registerEdgeHostController(manager, {
    workers: config.probeConcurrency,
    defaultIntervalMs: config.probeIntervalSeconds * 1000,
    defaultGraceMs: config.unreachableAfterSeconds * 1000,
    probeTimeoutMs: config.probeTimeoutSeconds * 1000,
    events,
  });
  registerAppPackageController(manager, {
    workers: config.concurrency,
    dataDir: config.dataDir,
    maxPackageBytes: config.maxPackageBytes,
    timeoutMs: config.requestTimeoutSeconds * 1000,
    deletionTimeoutMs: 10 * 60_000,
    retryErroredHostsMs: 5 * 60_000,
    events,
  });
  registerAppRuleController(manager, {
    workers: config.concurrency,
    requestTimeoutMs: config.probeTimeoutSeconds * 1000,
    driftCheckMs: config.ruleDriftCheckSeconds * 1000,
    taskPollMs: 500,
    taskTimeoutMs: config.mepTaskTimeoutSeconds * 1000,
    events,
  });
}
