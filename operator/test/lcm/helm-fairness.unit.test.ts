/**
 * Helm slots are shared fairly between owners (tenants): one owner whose hooks hang holds at
 * most its share, and another owner's call runs at once. A shell script stands in for helm: on
 * `hang` it counts the hung calls already running (a file each), then sleeps; on `quick` it
 * answers at once.
 */
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HelmProcess } from '../../src/lcm/kubernetes/helm-process.js';

describe('HelmProcess fairness between owners', () => {
  let dir: string;
  let helm: HelmProcess;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fake-helm-'));
    await mkdir(join(dir, 'running'));
    const script = join(dir, 'helm');
    await writeFile(script, [
      '#!/bin/sh',
      `if [ "$1" = hang ]; then ls ${dir}/running | wc -l >> ${dir}/seen; touch ${dir}/running/$$; sleep 1; rm ${dir}/running/$$; fi`,
      'echo "{}"', ''].join('\n'));
    await chmod(script, 0o755);
    helm = new HelmProcess({ binary: script, maxConcurrent: 4, maxPerOwner: 2, scratchRoot: dir });
  });

  after(async () => {
    await helm.close();
    await rm(dir, { recursive: true, force: true });
  });

  const call = (owner: string, verb: 'hang' | 'quick') => helm.run({ args: [verb], what: `${verb} for ${owner}`, kubeconfig: 'apiVersion: v1\n', timeoutMs: 10_000, owner });

  it('runs another owner\'s call while one owner\'s calls hang, and gives each owner at most its share', async function () {
    this.timeout(20_000);
    const finished: string[] = [];
    const hung = Array.from({ length: 6 }, () => call('tenant-a', 'hang').then(() => { finished.push('a'); }));
    // tenant-a asked first and holds its share; tenant-b's call is not queued behind the rest.
    await call('tenant-b', 'quick').then(() => { finished.push('b'); });
    await Promise.all(hung);
    assert.equal(finished[0], 'b', `finished in the order ${finished.join(' ')}`);
    const seen = (await readFile(join(dir, 'seen'), 'utf8')).trim().split('\n').map(Number);
    assert.equal(seen.length, 6);
    assert.ok(Math.max(...seen) <= 1, `tenant-a ran more than 2 at once: ${seen.join(', ')}`);
  });
});
