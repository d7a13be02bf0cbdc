/**
 * Writes what the Argo CD health customization generates: its testdata (cases.ts) and
 * gitops/argocd/argocd-cm.yaml. Run it after a change to health.lua or to a status the operator
 * writes, then check health_test.yaml still says what each case means:
 *   npx tsx operator/test/gitops/argocd/write-argocd.ts
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { healthCases } from './cases.js';
import { argocdConfigMapFile, renderArgocdConfigMap, renderCase, testdataDir } from './testdata.js';

const cases = healthCases();
await mkdir(testdataDir, { recursive: true });
const wanted = new Set(cases.map((c) => c.file));
for (const file of await readdir(testdataDir)) if (!wanted.has(file)) await rm(join(testdataDir, file));
for (const c of cases) await writeFile(join(testdataDir, c.file), renderCase(c));
await writeFile(argocdConfigMapFile, renderArgocdConfigMap());
console.log(`wrote ${cases.length} testdata files and ${argocdConfigMapFile}`);
