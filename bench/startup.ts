/**
 * Start-up time and idle memory of the operator process: TypeScript transpiled at start (tsx)
 * against the compiled dist/ (npm run build), on the project's Node 24 and, when the machine has
 * one, its Node 20.
 *   npx tsx bench/startup.ts [--runs N] [--idle-seconds N]
 * Each run starts `node … main.js --kubeconfig <hub admin>` with every controller, as `npm run
 * operator` does, and measures process start → /readyz 200 (informers synced), then the RSS
 * after N idle seconds (VmRSS from /proc). Prints medians.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { get } from '../testenv/src/http.js';
import { freePort } from '../testenv/src/ports.js';
import { delay, waitFor } from '../testenv/src/process.js';
import { installCrds } from '../operator/test/support/crds.js';
import { benchClusters, figure } from './support.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, 'idle-seconds': { type: 'string', default: '10' } } });
const runs = Number(values.runs);
const idleMs = Number(values['idle-seconds']) * 1000;
const root = fileURLToPath(new URL('../', import.meta.url));

interface Variant { readonly name: string; readonly node: string; readonly args: readonly string[] }

const nodes: Array<{ label: string; bin: string }> = [{ label: 'Node 24', bin: `${root}node_modules/.bin/node` }];
const machineNode = spawnSync('/usr/bin/node', ['-p', 'process.versions.node']);
if (machineNode.status === 0 && machineNode.stdout.toString().startsWith('20.')) nodes.push({ label: 'Node 20', bin: '/usr/bin/node' });
const variants: Variant[] = nodes.flatMap(({ label, bin }) => [
  { name: `${label}, tsx (transpiled at start)`, node: bin, args: ['--import', 'tsx', `${root}operator/src/main.ts`] },
  { name: `${label}, dist (compiled)`, node: bin, args: [`${root}dist/main.js`] },
]);

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function rssMiBOf(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
  return kb / 1024;
}

/** One start: ms from spawn to /readyz 200, and the RSS after the idle period. */
async function once(variant: Variant, kubeconfig: string): Promise<{ readyMs: number; rssMiB: number }> {
  const [metricsPort, probePort] = [await freePort(), await freePort()];
  const started = performance.now();
  const child = spawn(variant.node, [...variant.args, '--kubeconfig', kubeconfig, '--insecure-metrics',
    '--metrics-bind-address', `127.0.0.1:${metricsPort}`, '--health-probe-bind-address', `127.0.0.1:${probePort}`],
  { stdio: ['ignore', 'ignore', 'inherit'], cwd: root });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitFor('/readyz', async () => (await get(`http://127.0.0.1:${probePort}/readyz`, undefined, 1000).catch(() => ({ status: 0 }))).status === 200, 60_000, 10);
    const readyMs = performance.now() - started;
    // Idle: informers hold their watches, no object changes; what a replica costs at rest.
    await delay(idleMs);
    return { readyMs, rssMiB: rssMiBOf(child.pid!) };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

if (!existsSync(`${root}dist/main.js`)) {
  const built = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) throw new Error('npm run build failed');
}
const clusters = await benchClusters(0);
try {
  await installCrds(clusters.hub);
  figure('runs per variant (medians below)', runs);
  figure('idle period before RSS', idleMs / 1000, 's');
  for (const variant of variants) {
    const results = [];
    await once(variant, clusters.hub.kubeconfigFile); // warms the OS file cache and tsx's cache
    for (let i = 0; i < runs; i++) results.push(await once(variant, clusters.hub.kubeconfigFile));
    figure(`${variant.name}: start → ready`, median(results.map((r) => r.readyMs)).toFixed(0), 'ms');
    figure(`${variant.name}: idle RSS`, median(results.map((r) => r.rssMiB)).toFixed(1), 'MiB');
  }
} finally {
  await clusters.stop();
}
