/** Property-based: the MEP answer parser, alone and through MepClient (bench/fuzz.ts runs the same with ≥10,000 cases). */
import fc from 'fast-check';
import { anyStatusArb, checkAnswerParsers, checkClientAnswer, mepAnswerArb, startFakeMep, type FakeMep } from './support/mep-cases.js';
import { fuzzRuns, fuzzSeed } from './support/runs.js';

describe('fuzz: MEP answer parser', function () {
  it(`parseErrorBody, classifyAnswer, fromWire and parseTask give values or typed errors (${fuzzRuns(500)} cases)`, function () {
    fc.assert(fc.property(mepAnswerArb, anyStatusArb, checkAnswerParsers), { numRuns: fuzzRuns(500), ...fuzzSeed() });
  });

  describe('through MepClient', function () {
    let mep: FakeMep;
    before(async () => { mep = await startFakeMep(); });
    after(async () => mep.close());

    it(`every call resolves to its value or rejects with a MepError (${fuzzRuns(300)} answers)`, async function () {
      this.timeout(60_000);
      await fc.assert(fc.asyncProperty(mepAnswerArb, (answer) => checkClientAnswer(mep, answer)), { numRuns: fuzzRuns(300), ...fuzzSeed() });
    });
  });
});
