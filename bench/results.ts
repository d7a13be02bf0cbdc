/**
 * Bench figures as JSON: every `figure()` of bench/support.ts is also kept here, and written on
 * exit into the results file (bench/results/latest.json unless MECM_BENCH_RESULTS names another),
 * under the bench's name, with its size and the git revision:
 *
 *   { "benches": { "fleet": { "size": "quick", "revision": "…", "date": "…", "machine": {…},
 *                             "figures": [{ "name": "…", "value": 12.3, "unit": "s" }, …] } } }
 *
 * Benches run by bench/run.ts (`npm run bench`) get MECM_BENCH_NAME and MECM_BENCH_SIZE from it;
 * run alone, a bench records only if it calls `recordResults` itself (bench/fleet.ts does).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Figure {
  readonly name: string;
  readonly value: number | string;
  readonly unit: string;
}

export interface BenchResult {
  readonly size: string;
  readonly revision: string;
  readonly date: string;
  readonly machine: Machine;
  readonly args: readonly string[];
  readonly figures: readonly Figure[];
  readonly failed?: string;
}

export interface Machine {
  readonly cpus: number;
  readonly model: string;
  readonly memoryGiB: number;
  /** 1-minute load average when the bench ended: others' work on a shared machine. */
  readonly load1: number;
}

export const defaultResultsFile = fileURLToPath(new URL('./results/latest.json', import.meta.url));

const figures: Figure[] = [];
let recording: { bench: string; size: string; file: string; revision: string } | undefined;
let measuredRevision: string | undefined;

/** The revision measured, when it is not the working tree's (bench/fleet.ts --operator-rev). */
export function setMeasuredRevision(rev: string): void {
  measuredRevision = rev;
}

/** Keeps a figure for the results file (bench/support.ts's `figure` calls this). */
export function keepFigure(name: string, value: number | string, unit: string): void {
  figures.push({ name: name.trim(), value: typeof value === 'string' && value !== '' && Number.isFinite(Number(value)) ? Number(value) : value, unit });
}

/** From now on, the figures are written to `file` under `bench` when the process exits. */
export function recordResults(bench: string, size: string, file = process.env.MECM_BENCH_RESULTS ?? defaultResultsFile): void {
  if (!recording) process.on('exit', (code) => writeResults(code === 0 ? undefined : `exit code ${code}`));
  // The revision at the start is the one measured: a commit made while a long run goes on is not.
  recording = { bench, size, file, revision: revision() };
}

function writeResults(failed?: string): void {
  // A process with no figures (a helper child a bench starts, with the bench's environment) writes nothing.
  if (!recording || !figures.length) return;
  const { bench, size, file } = recording;
  let all: { benches?: Record<string, BenchResult> } = {};
  try {
    all = JSON.parse(readFileSync(file, 'utf8')) as typeof all;
  } catch { /* a first run */ }
  const result: BenchResult = {
    size, revision: measuredRevision ?? recording.revision, date: new Date().toISOString(), machine: machine(),
    args: process.argv.slice(2), figures, ...(failed ? { failed } : {}),
  };
  all.benches = { ...all.benches, [bench]: result };
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(all, null, 2)}\n`);
  renameSync(temp, file);
}

export function revision(): string {
  try {
    const root = fileURLToPath(new URL('..', import.meta.url));
    const rev = execFileSync('git', ['-C', root, 'rev-parse', '--short=12', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['-C', root, 'status', '--porcelain', '--untracked-files=no', '--', 'operator/src'], { encoding: 'utf8' }).trim();
    return dirty ? `${rev}+dirty` : rev;
  } catch {
    return 'unknown';
  }
}

export function machine(): Machine {
  const list = cpus();
  return { cpus: list.length, model: list[0]?.model ?? '', memoryGiB: Math.round(totalmem() / 2 ** 30), load1: Number(loadavg()[0]!.toFixed(2)) };
}

// Run by bench/run.ts: record under the name it gives.
if (process.env.MECM_BENCH_NAME) recordResults(process.env.MECM_BENCH_NAME, process.env.MECM_BENCH_SIZE ?? 'quick');
