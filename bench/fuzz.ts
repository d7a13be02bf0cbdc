/**
 * The fuzz properties of operator/test/fuzz/ at volume: ≥10,000 generated cases per target,
 * every case run (a failure is counted, not a stop), no cluster needed.
 *   npx tsx bench/fuzz.ts [--runs N] [--seed N] [--only csar|rules|mep|mep-client]
 * Prints per target: cases, time, failures (and the first failing inputs, with the seed to
 * replay them through MECM_FUZZ_SEED / MECM_FUZZ_RUNS in the unit tests); for the CSAR reader,
 * how the cases ended. Exits 1 when any case failed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { checkCsar, csarCaseArb, csarWorkspace, makeSeeds } from '../operator/test/fuzz/support/csar-cases.js';
import { anyStatusArb, checkAnswerParsers, checkClientAnswer, mepAnswerArb, startFakeMep } from '../operator/test/fuzz/support/mep-cases.js';
import { checkRules, ruleCaseArb } from '../operator/test/fuzz/support/rule-cases.js';
import { figure } from './support.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10000' }, seed: { type: 'string' }, only: { type: 'string' } } });
const runs = Number(values.runs);
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);

/** A failing case: what was generated (shortened) and what went wrong. */
interface Failure {
  input: string;
  error: string;
}

/**
 * Runs `check` on `runs` cases of `arbitrary`, catching failures so that every case runs.
 * Returns the failures; `tally` sees what each passing case returned.
 */
async function fuzz<T>(name: string, arbitrary: fc.Arbitrary<T>, check: (value: T) => unknown, tally?: (outcome: unknown) => void): Promise<Failure[]> {
  const failures: Failure[] = [];
  let checked = 0;
  const started = process.hrtime.bigint();
  await fc.check(fc.asyncProperty(arbitrary, async (value) => {
    checked += 1;
    let outcome: unknown;
    try {
      outcome = await check(value); // not inside tally?.(…): an optional call skips evaluating its arguments
    } catch (error) {
      failures.push({ input: fc.stringify(value).slice(0, 400), error: error instanceof Error ? (error.stack ?? error.message).split('\n').slice(0, 4).join(' | ') : String(error) });
      return;
    }
    tally?.(outcome);
  }), { numRuns: runs, seed });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(`\n${name}`);
  figure('  cases', checked);
  figure('  time', seconds.toFixed(1), `s (${(seconds * 1e6 / Math.max(checked, 1)).toFixed(0)} µs/case)`);
  figure('  failures', failures.length);
  for (const failure of failures.slice(0, 3)) console.log(`    ${failure.error}\n      input: ${failure.input}`);
  return failures;
}

const wanted = (target: string) => values.only === undefined || values.only === target;
console.log(`fast-check seed ${seed}, ${runs} cases per target`);
let failed = 0;

if (wanted('csar')) {
  const root = await mkdtemp(join(tmpdir(), 'csar-fuzz-'));
  try {
    const where = await csarWorkspace(root);
    const outcomes = new Map<string, number>();
    const tally = (outcome: unknown) => outcomes.set(String(outcome), (outcomes.get(String(outcome)) ?? 0) + 1);
    failed += (await fuzz('CSAR reader: openCsar + verifyPackage on generated and mutated packages', csarCaseArb(await makeSeeds()), (one) => checkCsar(one, where), tally)).length;
    const sorted = [...outcomes].sort((a, b) => b[1] - a[1]);
    figure('  outcomes', `${outcomes.size} kinds`, sorted.map(([outcome, count]) => `${outcome} ${count}`).join(', '));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
if (wanted('rules')) {
  failed += (await fuzz('APPD rule normaliser: normaliseRules on generated configurations', ruleCaseArb, checkRules)).length;
}
if (wanted('mep')) {
  failed += (await fuzz('MEP answer parser: parseErrorBody, classifyAnswer, fromWire, parseTask', fc.tuple(mepAnswerArb, anyStatusArb),
    ([answer, status]) => checkAnswerParsers(answer, status))).length;
}
if (wanted('mep-client')) {
  const mep = await startFakeMep();
  try {
    failed += (await fuzz('MEP answer parser through MepClient and a local server', mepAnswerArb, (answer) => checkClientAnswer(mep, answer))).length;
    figure('  HTTP requests served', mep.served());
  } finally {
    await mep.close();
  }
}
process.exitCode = failed > 0 ? 1 : 0;
