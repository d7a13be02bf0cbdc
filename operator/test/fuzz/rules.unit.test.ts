/** Property-based: normaliseRules on generated APPD rule configurations (bench/fuzz.ts runs the same with ≥10,000 cases). */
import fc from 'fast-check';
import { fuzzRuns, fuzzSeed } from './support/runs.js';
import { checkRules, ruleCaseArb } from './support/rule-cases.js';

describe('fuzz: APPD rule normaliser', function () {
  it(`never throws, accounts for every declared rule, and maps only what an AppRule accepts (${fuzzRuns(300)} cases)`, function () {
    fc.assert(fc.property(ruleCaseArb, checkRules), { numRuns: fuzzRuns(300), ...fuzzSeed() });
  });
});
