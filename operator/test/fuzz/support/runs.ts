/**
 * How many cases a CI fuzz test runs: `fallback`, or MECM_FUZZ_RUNS when set (to run the unit
 * suite's properties longer without bench/fuzz.ts). fast-check's seed is printed on failure;
 * pass it back with MECM_FUZZ_SEED to replay.
 */
export function fuzzRuns(fallback: number): number {
  const runs = Number(process.env.MECM_FUZZ_RUNS);
  return Number.isSafeInteger(runs) && runs > 0 ? runs : fallback;
}

/** The fast-check seed given in MECM_FUZZ_SEED, if any. */
export function fuzzSeed(): { seed: number } | Record<string, never> {
  const seed = Number(process.env.MECM_FUZZ_SEED);
  return process.env.MECM_FUZZ_SEED !== undefined && Number.isSafeInteger(seed) ? { seed } : {};
}
