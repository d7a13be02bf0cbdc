/**
 * Shared informers, counted where it matters: at the hub's API server. The five controllers
 * read six resource types (EdgeHosts, Tenants, AppPackages, AppInstances, AppRules, Secret
 * metadata); with one informer per type the operator holds exactly one watch on each, not one
 * per controller that reads it (11 for four controllers before informers were shared). The Secret watch is confined to
 * the operator's namespace (its Role allows no other).
 */
import assert from 'node:assert/strict';
import { waitFor } from '../../testenv/src/process.js';
import { envStartTimeoutMs, sharedEnv } from './support/env.js';
import { kubectl } from './support/kubectl.js';
import { startOperator, type TestOperator } from './support/operator.js';

const watched = ['edgehosts', 'tenants', 'apppackages', 'appinstances', 'apprules', 'secrets'] as const;

/**
 * Open WATCH requests per resource, from the API server's apiserver_longrunning_requests gauge;
 * also per resource and scope as `resource@scope` (scope: cluster or namespace).
 */
async function openWatches(): Promise<Map<string, number>> {
  const { hub } = await sharedEnv();
  const metrics = await kubectl(hub, ['get', '--raw', '/metrics']);
  if (metrics.code !== 0) throw new Error(`reading the API server's metrics failed: ${metrics.stderr}`);
  const counts = new Map<string, number>();
  for (const line of metrics.stdout.split('\n')) {
    if (!line.startsWith('apiserver_longrunning_requests{') || !line.includes('verb="WATCH"')) continue;
    const resource = /resource="([^"]*)"/.exec(line)?.[1] ?? '';
    const scope = /scope="([^"]*)"/.exec(line)?.[1] ?? '';
    const open = Number(line.slice(line.lastIndexOf(' ') + 1));
    for (const key of [resource, `${resource}@${scope}`]) counts.set(key, (counts.get(key) ?? 0) + open);
  }
  return counts;
}

describe('Operator watches at the API server', function () {
  let operator: TestOperator | undefined;

  after(async () => {
    await operator?.stop();
  });

  it('opens one watch per resource type for all five controllers', async function () {
    this.timeout(envStartTimeoutMs);
    await sharedEnv();
    const before = await openWatches();
    operator = await startOperator({ namespace: `watches-${Date.now().toString(36)}`, controllers: ['edgehost', 'tenant', 'apppackage', 'apprule', 'appinstance'] });

    const keys = [...watched, 'secrets@namespace'];
    const added = (now: Map<string, number>) => Object.fromEntries(keys.map((r) => [r, (now.get(r) ?? 0) - (before.get(r) ?? 0)]));
    let last: Record<string, number> = {};
    // Other clients (kube-controller-manager's Secret informer) restart their watches now and
    // then; a sample taken during such a restart is off by one, so look until one is clean.
    await waitFor('one new watch per type', async () => {
      last = added(await openWatches());
      return keys.every((r) => last[r] === 1);
    }, 30_000, 500).catch(() => undefined);
    assert.deepEqual(last, { edgehosts: 1, tenants: 1, apppackages: 1, appinstances: 1, apprules: 1, secrets: 1, 'secrets@namespace': 1 });
    const total = watched.reduce((sum, r) => sum + (last[r] ?? 0), 0);
    assert.ok(total <= 6, `${total} hub watches`);
  });
});
