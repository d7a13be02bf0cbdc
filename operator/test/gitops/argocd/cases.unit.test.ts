/**
 * The Argo CD health customization's generated files are current: its testdata are what the
 * operator's status code makes today (cases.ts), argocd-cm.yaml carries today's health.lua for
 * every kind, and health_test.yaml tests every testdata file. When one fails, run
 *   npx tsx operator/test/gitops/argocd/write-argocd.ts
 * and check health_test.yaml (health.test.ts then runs the Lua on the new files).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { crdDefinitions } from '../../../src/api/crds.js';
import { healthCases } from './cases.js';
import { argocdConfigMapFile, customizationDir, renderArgocdConfigMap, renderCase, testdataDir } from './testdata.js';

interface HealthTests {
  tests: Array<{ inputPath: string; healthStatus: { status: string; message: string } }>;
}

describe('Argo CD health customization files', function () {
  const cases = healthCases();

  it('has testdata that are what the operator\'s status code writes', function () {
    assert.deepEqual(readdirSync(testdataDir).sort(), cases.map((c) => c.file).sort());
    for (const c of cases) assert.equal(readFileSync(join(testdataDir, c.file), 'utf8'), renderCase(c), c.file);
  });

  it('has a case of every kind of the operator', function () {
    const kinds = new Set(cases.map((c) => (c.object as { kind: string }).kind));
    assert.deepEqual([...kinds].sort(), crdDefinitions.map((crd) => crd.kind).sort());
  });

  it('tests every testdata file in health_test.yaml, once', function () {
    const tests = (yaml.load(readFileSync(join(customizationDir, 'health_test.yaml'), 'utf8')) as HealthTests).tests;
    assert.deepEqual(tests.map((t) => t.inputPath).sort(), cases.map((c) => `testdata/${c.file}`).sort());
  });

  it('ships health.lua in argocd-cm.yaml under every kind\'s key', function () {
    assert.equal(readFileSync(argocdConfigMapFile, 'utf8'), renderArgocdConfigMap());
    const data = (yaml.load(readFileSync(argocdConfigMapFile, 'utf8')) as { data: Record<string, string> }).data;
    const script = readFileSync(join(customizationDir, 'health.lua'), 'utf8');
    for (const crd of crdDefinitions) assert.equal(data[`resource.customizations.health.mecm.io_${crd.kind}`], script, crd.kind);
  });
});
