/**
 * `npm run bench`: every bench, one after the other, at a quick size (minutes in all), each
 * printing its figures and recording them in bench/results/latest.json (bench/results.ts);
 * `npm run bench -- --full` runs them at the issues' sizes (an hour and more: the fleet bench
 * alone takes most of it). `--only fleet,startup` picks benches. Exits non-zero if any failed.
 *
 * The benches start their own clusters, or attach to MECM_TESTENV_DIR (see bench/support.ts).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultResultsFile } from './results.js';

const { values } = parseArgs({ options: { full: { type: 'boolean', default: false }, only: { type: 'string' } } });

/** Each bench's arguments: quick (seconds to a minute or two), and the figures the issues ask for. */
const benches: Record<string, { quick: string[]; full: string[] }> = {
  startup: { quick: ['--runs', '1', '--idle-seconds', '2'], full: [] },
  'runtime-throughput': { quick: ['--objects', '1000'], full: [] },
  'edgehost-scale': { quick: ['--hosts', '50'], full: [] },
  apppackage: { quick: ['--size-mib', '5', '--hosts', '2'], full: [] },
  appinstance: { quick: ['--instances', '10'], full: ['--instances', '200'] },
  fuzz: { quick: ['--runs', '1000'], full: [] },
  'yaml-bomb': { quick: [], full: [] },
  north: { quick: ['--hosts', '100', '--duration', '3'], full: [] },
  fleet: { quick: [], full: ['--full'] },
};

const only = values.only?.split(',').map((s) => s.trim()).filter(Boolean);
for (const name of only ?? []) if (!(name in benches)) throw new Error(`no bench ${name}; there are ${Object.keys(benches).join(', ')}`);
const size = values.full ? 'full' : 'quick';
const results = process.env.MECM_BENCH_RESULTS ?? defaultResultsFile;
const failed: string[] = [];
for (const [name, args] of Object.entries(benches)) {
  if (only && !only.includes(name)) continue;
  const argv = args[size];
  console.log(`\n### ${name} (${size}) ${argv.join(' ')}`);
  const started = Date.now();
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(`./${name}.ts`, import.meta.url)), ...argv], {
      stdio: 'inherit', env: { ...process.env, MECM_BENCH_NAME: name, MECM_BENCH_SIZE: size, MECM_BENCH_RESULTS: results },
    });
    child.once('close', resolve);
  });
  console.log(`### ${name}: ${code === 0 ? 'done' : `FAILED (exit ${code})`} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (code !== 0) failed.push(name);
}
console.log(`\nresults: ${results}${failed.length ? `\nfailed: ${failed.join(', ')}` : ''}`);
process.exit(failed.length ? 1 : 0);
