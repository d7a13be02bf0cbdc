/** Property-based: openCsar on generated and mutated packages (bench/fuzz.ts runs the same with ≥10,000 cases). */
import fc from 'fast-check';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkCsar, csarCaseArb, csarWorkspace, makeSeeds, type Seeds } from './support/csar-cases.js';
import { fuzzRuns, fuzzSeed } from './support/runs.js';

describe('fuzz: CSAR reader', function () {
  let root: string;
  let seeds: Seeds;
  before(async function () {
    root = await mkdtemp(join(tmpdir(), 'csar-fuzz-'));
    seeds = await makeSeeds();
  });
  after(async () => rm(root, { recursive: true, force: true }));

  it(`opens a package or throws a CsarError, never anything else, and leaves nothing behind (${fuzzRuns(250)} cases)`, async function () {
    this.timeout(120_000);
    const where = await csarWorkspace(root);
    await fc.assert(fc.asyncProperty(csarCaseArb(seeds), async (one) => { await checkCsar(one, where); }), { numRuns: fuzzRuns(250), ...fuzzSeed() });
  });
});
