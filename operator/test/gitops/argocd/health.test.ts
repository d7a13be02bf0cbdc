/**
 * The Argo CD health check of the mecm.io kinds (gitops/argocd/resource_customizations/mecm.io/_)
 * run as Argo CD runs a customization from argocd-cm: gopher-lua at Argo CD's version, no open
 * libraries, the object as `obj`, the answer read through JSON (testenv/build/lua-health). Each
 * case of health_test.yaml (Argo CD's own test format) is one test here; the testdata are the
 * operator's statuses (cases.ts). The runner is checked to fail a wrong expectation and a
 * script error, so a pass means something.
 */
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { ensureLuaHealth } from '../../../../testenv/src/lua-health.js';
import { runCommand } from '../../support/kubectl.js';
import { customizationDir, customizationsRoot } from './testdata.js';

interface Health {
  readonly status: string;
  readonly message: string;
}
interface Result {
  readonly customization?: string;
  readonly inputPath?: string;
  readonly expected?: Health;
  readonly actual?: Health;
  readonly error?: string;
}

async function runTests(root: string): Promise<{ code: number; results: Result[] }> {
  const out = await runCommand(await ensureLuaHealth(), ['test', root]);
  return { code: out.code, results: out.stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Result) };
}

const tests = (yaml.load(readFileSync(join(customizationDir, 'health_test.yaml'), 'utf8')) as { tests: Array<{ inputPath: string; healthStatus: Health }> }).tests;

describe('Argo CD health check of the mecm.io kinds, run as Argo CD runs it', function () {
  let run: { code: number; results: Result[] };

  before(async function () {
    this.timeout(600_000); // a cold cache builds the runner first (about 20 s on 2 cores)
    run = await runTests(customizationsRoot);
  });

  for (const test of tests) {
    it(`${test.inputPath}: ${test.healthStatus.status}`, function () {
      const result = run.results.find((r) => r.customization === 'mecm.io/_' && r.inputPath === test.inputPath);
      assert.ok(result, `no result for ${test.inputPath}`);
      assert.equal(result.error, undefined);
      assert.deepEqual(result.actual, test.healthStatus);
    });
  }

  it('runs every case and passes as a whole', function () {
    assert.equal(run.results.length, tests.length);
    assert.equal(run.code, 0);
  });

  describe('the runner', function () {
    let copy: string;
    beforeEach(async function () {
      copy = await mkdtemp(join(tmpdir(), 'lua-health-'));
      await cp(customizationsRoot, copy, { recursive: true });
    });
    afterEach(() => rm(copy, { recursive: true, force: true }));

    it('fails a case whose expected health is wrong', async function () {
      const file = join(copy, 'mecm.io', '_', 'health_test.yaml');
      const first = tests[0]!;
      const wrong = first.healthStatus.status === 'Healthy' ? 'Degraded' : 'Healthy';
      await writeFile(file, (await readFile(file, 'utf8')).replace(`status: ${first.healthStatus.status}`, `status: ${wrong}`));
      const { code, results } = await runTests(copy);
      assert.equal(code, 1);
      const failed = results.find((r) => r.inputPath === first.inputPath)!;
      assert.equal(failed.expected?.status, wrong);
      assert.equal(failed.actual?.status, first.healthStatus.status);
    });

    it('reports a script that calls the string library, which argocd-cm customizations do not get', async function () {
      const script = join(copy, 'mecm.io', '_', 'health.lua');
      await writeFile(script, `local hs = {}\nhs.status = string.upper("healthy")\nreturn hs\n`);
      const { code, results } = await runTests(copy);
      assert.equal(code, 1);
      assert.ok(results.every((r) => r.error !== undefined && /string/.test(r.error)), JSON.stringify(results[0]));
    });
  });
});
