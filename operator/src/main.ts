/**
 * The MECM operator process: parse flags, connect to the hub, register the controllers,
 * serve /metrics, /healthz and /readyz, and run until SIGINT/SIGTERM (releasing the leader
 * lease on the way out). `--help` lists the flags.
 */
import { readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { parseConfig, usage } from './config.js';
import { registerControllers } from './controllers/register.js';
import { log } from './log.js';
import { prepareNorth } from './north/start.js';
import { errorMessage } from './runtime/logger.js';
import { Manager } from './runtime/manager.js';
import { RuntimeMetrics } from './runtime/metrics.js';
import { KubeMetricsAuth } from './runtime/metrics-auth.js';
import { serveMetrics, serveProbes } from './runtime/serve.js';

// A bug that escapes every handler leaves the process in an unknown state: log it with what
// we know, and exit non-zero so Kubernetes restarts the pod. No request can reach here: every
// server of ours answers malformed input itself.
process.on('uncaughtException', (error, origin) => {
  log.error('Unexpected error; exiting', { origin, error: errorMessage(error), stack: error.stack });
  process.exit(70);
});
process.on('unhandledRejection', (reason) => {
  log.error('Unexpected rejection; exiting', { error: errorMessage(reason), stack: reason instanceof Error ? reason.stack : undefined });
  process.exit(70);
});

async function main(): Promise<void> {
  let config;
  try {
    config = parseConfig(process.argv.slice(2), process.env);
  } catch (error) {
    console.error(`${errorMessage(error)}\n\n${usage()}`);
    process.exit(2);
  }
  if (config === 'help') {
    console.log(usage());
    return;
  }
  const hub = new KubeConfig();
  if (config.kubeconfig) hub.loadFromString(readFileSync(config.kubeconfig, 'utf8'));
  else hub.loadFromCluster();

  const manager = await Manager.create({
    hub, log, metrics: new RuntimeMetrics({ processMetrics: true }),
    qps: config.qps, burst: config.burst, requestTimeoutMs: config.requestTimeoutSeconds * 1000,
    ...(config.leaderElect ? {
      leaderElection: {
        namespace: config.leaderElectionNamespace, name: config.leaderElectionId, identity: config.identity,
        leaseDurationMs: config.leaseDurationSeconds * 1000, renewDeadlineMs: config.renewDeadlineSeconds * 1000,
        retryPeriodMs: config.retryPeriodSeconds * 1000,
      },
    } : {}),
  });
  registerControllers(manager, config);
  const north = prepareNorth(manager, config);
  const servers = await Promise.all([
    serveMetrics(config.metricsBindAddress, manager.metrics.registry, config.insecureMetrics ? undefined : new KubeMetricsAuth(manager.hub)),
    serveProbes(config.healthProbeBindAddress, { healthz: () => ({ ok: true }), readyz: () => manager.readiness() }),
  ]);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('Stopping', { signal });
    manager.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error('Stopping failed', { error: errorMessage(error) });
        process.exit(1);
      });
    for (const server of servers) server?.close();
    void serving?.close();
  };
  let serving: Awaited<ReturnType<NonNullable<typeof north>['serve']>> | undefined;
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));

  log.info('Operator starting', {
    hub: hub.getCurrentCluster()?.server, identity: config.identity, leaderElection: config.leaderElect,
    metrics: config.metricsBindAddress, probes: config.healthProbeBindAddress,
  });
  await manager.start();
  log.info('Caches synced', {});
  // North reads the caches: it answers once they are synced, on every replica.
  if (north && !stopping) {
    serving = await north.serve();
    log.info('North serving', { url: serving.url });
  }
}

main().catch((error: unknown) => {
  log.error('Operator failed to start', { error: errorMessage(error) });
  process.exit(1);
});
