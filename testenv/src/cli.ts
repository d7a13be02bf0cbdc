/**
 * npm run testenv -- up [--edges N] [--nodes N]   start hub + N edges in the background
 * npm run testenv -- status                        show what runs and where
 * npm run testenv -- down                          stop everything and remove .testenv/
 *
 * Admin kubeconfigs land in .testenv/hub.kubeconfig, .testenv/edge-1.kubeconfig, …
 */
import { rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { TestEnvironment } from './environment.js';
import { get } from './http.js';

const root = process.env.MECM_TESTENV_DIR ?? '.testenv';

async function up(edges: number, nodes: number): Promise<void> {
  if (TestEnvironment.exists(root)) {
    const env = await TestEnvironment.attach(root);
    if (env.etcdAlive()) {
      console.log(`A test environment already runs in ${root}/ (npm run testenv -- down to stop it).`);
      await status();
      return;
    }
    await rm(root, { recursive: true, force: true });
  }
  const started = Date.now();
  const env = await TestEnvironment.start({ root, persist: true });
  try {
    await Promise.all([env.startHub(), env.startEdges(edges, { nodes })]);
  } catch (error) {
    await env.stop();
    throw error;
  }
  console.log(`Test environment up in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  await status();
}

async function status(): Promise<void> {
  if (!TestEnvironment.exists(root)) {
    console.log(`No test environment in ${root}/.`);
    process.exitCode = 1;
    return;
  }
  const env = await TestEnvironment.attach(root);
  console.log(`etcd: ${env.etcdAlive() ? 'running' : 'stopped'}`);
  for (const cluster of env.clusters) {
    const dead = cluster.deadProcesses();
    const registry = cluster.registryUrl ? await registryStatus(cluster.registryUrl) : '';
    console.log(`${cluster.name.padEnd(8)} ${cluster.server}  kubeconfig ${cluster.kubeconfigFile}` +
      (cluster.registryUrl ? `  registry ${cluster.registryUrl} (${registry})` : '') +
      (dead.length ? `  NOT RUNNING: ${dead.join(', ')}` : '  all processes running'));
    if (dead.length) process.exitCode = 1;
  }
}

async function registryStatus(url: string): Promise<string> {
  try {
    return (await get(`${url}/v2/`)).status === 200 ? 'up' : 'unhealthy';
  } catch {
    return 'down';
  }
}

async function down(): Promise<void> {
  if (!TestEnvironment.exists(root)) {
    console.log(`No test environment in ${root}/.`);
    return;
  }
  const env = await TestEnvironment.attach(root);
  await env.stop();
  await rm(root, { recursive: true, force: true });
  console.log('Test environment stopped and removed.');
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { edges: { type: 'string', default: '2' }, nodes: { type: 'string', default: '1' } },
});
const command = positionals[0];
try {
  if (command === 'up') await up(Number(values.edges), Number(values.nodes));
  else if (command === 'status') await status();
  else if (command === 'down') await down();
  else {
    console.error('usage: npm run testenv -- up [--edges N] [--nodes N] | status | down');
    process.exitCode = 2;
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
