/** Shared by bench scripts: a hub (attached via MECM_TESTENV_DIR or started here) and figures. */
import { KubeConfig } from '@kubernetes/client-node';
import winston from 'winston';
import { TestEnvironment, type Cluster } from '../testenv/src/environment.js';
import type { KubeClient } from '../operator/src/runtime/kube/client.js';
import { isAlreadyExists } from '../operator/src/runtime/kube/errors.js';
import { coreTypes } from '../operator/src/runtime/kube/resource.js';
import { ResourceClient } from '../operator/src/runtime/kube/resource-client.js';
import type { Logger } from '../operator/src/runtime/logger.js';

export { forEachLimited as inParallel } from '../operator/src/util/concurrency.js';

export async function benchClusters(edges: number): Promise<{ hub: Cluster; edges: Cluster[]; stop(): Promise<void> }> {
  const dir = process.env.MECM_TESTENV_DIR;
  if (dir && TestEnvironment.exists(dir)) {
    const env = await TestEnvironment.attach(dir);
    if (!env.hub || env.edges.length < edges) throw new Error(`${dir} lacks a hub and ${edges} edges`);
    return { hub: env.hub, edges: env.edges.slice(0, edges), stop: async () => {} };
  }
  const env = await TestEnvironment.start();
  const [hub, started] = await Promise.all([env.startHub(), env.startEdges(edges)]);
  return { hub, edges: started, stop: () => env.stop() };
}

export async function kubeConfigOf(cluster: Cluster): Promise<KubeConfig> {
  const config = new KubeConfig();
  config.loadFromString(await cluster.kubeconfig());
  return config;
}

/** The operator's namespace in benches, as in the chart: EdgeHost Secrets must be here. */
export const operatorNamespace = 'mecm-system';

/** Creates the operator's namespace unless it is there (an attached environment keeps it). */
export async function ensureOperatorNamespace(client: KubeClient): Promise<void> {
  await new ResourceClient(client, coreTypes.namespace).create({ metadata: { name: operatorNamespace } })
    .catch((error: unknown) => { if (!isAlreadyExists(error)) throw error; });
}

export const quietLog: Logger = winston.createLogger({ level: 'error', transports: [new winston.transports.Console()] });

export function rssMiB(): number {
  return Math.round(process.memoryUsage().rss / 1024 / 1024);
}

export { figure } from './figure.js';
