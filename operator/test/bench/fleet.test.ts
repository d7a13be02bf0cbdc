/**
 * The fleet bench (bench/fleet.ts) at its quick size, so it cannot rot: it runs end to end on
 * real clusters — its own operator process, hosts, packages, instances, steady state, upgrade
 * wave, deletion and the plain-helm baseline — prints every figure and writes them as JSON.
 * Timing is not asserted here (the figures are judged by the bench itself, and only at --full
 * size do they count); that every figure is there is.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from '../../../bench/results.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

/** Figure names (prefixes) the bench must print, in its output and in the JSON. */
const expected = [
  'setup: hosts Ready',
  'setup: hosts Ready, packages distributed',
  'probes only (4 hosts, no instances): CPU',
  '20 AppInstances: all Ready',
  'operator RSS peak (node process)',
  'operator CPU: node process',
  'operator CPU: helm children',
  'requests hub GET',
  'requests edge-1 GET',
  'helm calls install',
  'steady: writes to our objects (hub watch)',
  'steady: write requests to the hub (metrics)',
  'steady: helm calls per minute (metrics)',
  'steady: operator CPU (with children)',
  'steady: CPU beyond the probe-only window',
  'upgrade wave: all Ready on the new version',
  'upgrade wave: helm calls upgrade',
  'delete all: all gone',
  'operator RSS peak over the whole run',
  'baseline: 20 releases all Ready',
  'baseline: CPU of the helm processes',
  'ratio operator / plain helm (all Ready)',
  'targets passed',
];

describe('Fleet bench (quick size)', function () {
  it('runs end to end, prints every figure and PASS/FAIL per target, and writes them as JSON', async function () {
    this.timeout(600_000);
    const dir = await mkdtemp(join(tmpdir(), 'fleet-bench-test-'));
    try {
      const results = join(dir, 'results.json');
      const child = spawn(process.execPath, ['--import', 'tsx', 'bench/fleet.ts', '--no-flux', '--steady', '10', '--probe-window', '2'], {
        cwd: repo, env: { ...process.env, MECM_BENCH_RESULTS: results }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); });
      child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); });
      const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
      assert.equal(code, 0, `bench/fleet.ts failed:\n${output}`);
      // The figures in the suite's log: a regression shows there before anyone runs --full.
      console.log(output.replace(/^/gm, '      '));
      for (const name of expected) assert.ok(output.includes(name), `the output lacks "${name}":\n${output}`);
      assert.match(output, /^(PASS|FAIL) {2}all Ready ≤ 240 s/m);
      assert.match(output, /^(PASS|FAIL) {2}≤ 1\.2× the plain-helm baseline/m);

      const json = JSON.parse(await readFile(results, 'utf8')) as { benches: Record<string, BenchResult> };
      const fleet = json.benches.fleet;
      assert.ok(fleet, 'results.json has no fleet entry');
      assert.match(fleet.size, /^quick: 20 instances, 4 hosts, 2 packages/);
      assert.match(fleet.revision, /^[0-9a-f]{12}/);
      assert.equal(fleet.failed, undefined);
      for (const name of expected) assert.ok(fleet.figures.some((f) => f.name.startsWith(name)), `results.json lacks "${name}"`);
      for (const f of fleet.figures) assert.ok(typeof f.value === 'number' && Number.isFinite(f.value), `${f.name}: ${String(f.value)} is not a number`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
