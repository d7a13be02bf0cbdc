/**
 * The one test environment of a mocha run: a hub and two edges, started on first use and
 * stopped by the root hook in hooks.ts. Unit tests that never call sharedEnv() start nothing.
 *
 * With MECM_TESTENV_DIR set to a folder where `npm run testenv -- up` runs, tests attach to
 * that environment instead of starting their own (fast local iteration).
 */
import { Cluster, TestEnvironment } from '../../../testenv/src/environment.js';

export interface SharedEnv {
  readonly env: TestEnvironment;
  readonly hub: Cluster;
  readonly edges: readonly Cluster[];
}

const edgeCount = 2;
let shared: Promise<SharedEnv> | undefined;
let startedHere: TestEnvironment | undefined;

export function sharedEnv(): Promise<SharedEnv> {
  shared ??= start();
  return shared;
}

async function start(): Promise<SharedEnv> {
  const attachTo = process.env.MECM_TESTENV_DIR;
  if (attachTo && TestEnvironment.exists(attachTo)) {
    const env = await TestEnvironment.attach(attachTo);
    const hub = env.hub;
    if (!hub || env.edges.length < edgeCount) throw new Error(`${attachTo} lacks a hub and ${edgeCount} edges`);
    return { env, hub, edges: env.edges.slice(0, edgeCount) };
  }
  const env = await TestEnvironment.start();
  startedHere = env;
  const [hub, edges] = await Promise.all([env.startHub(), env.startEdges(edgeCount)]);
  return { env, hub, edges };
}

/** Stops the environment if this run started it. */
export async function stopSharedEnv(): Promise<void> {
  const env = startedHere;
  startedHere = undefined;
  shared = undefined;
  if (env) await env.stop();
}

/** How long a `before` hook may take to start the environment on a loaded 2-core machine. */
export const envStartTimeoutMs = 300_000;
