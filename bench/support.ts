/** Shared by bench scripts: a hub (attached via MECM_TESTENV_DIR or started here) and figures. */
import { KubeConfig } from '@kubernetes/client-node';
import winston from 'winston';
import { TestEnvironment, type Cluster } from '../testenv/src/environment.js';
import type { Logger } from '../operator/src/runtime/logger.js';

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

export const quietLog: Logger = winston.createLogger({ level: 'error', transports: [new winston.transports.Console()] });

export function rssMiB(): number {
  return Math.round(process.memoryUsage().rss / 1024 / 1024);
}

/** Runs `task` over `items` with at most `limit` in flight. */
export async function inParallel<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await task(items[next++]!);
  }));
}

export function figure(name: string, value: number | string, unit = ''): void {
  console.log(`${name.padEnd(44)} ${String(value).padStart(10)} ${unit}`);
}
