import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { crdDefinitions } from '../../src/api/crds.js';
import { crdFileName, renderCrdYaml } from '../../src/api/schema/crd.js';

const crdsDir = fileURLToPath(new URL('../../../crds/', import.meta.url));

describe('crds/ (generated)', () => {
  for (const def of crdDefinitions) {
    it(`${crdFileName(def)} is what npm run gen:crds writes now`, async () => {
      const onDisk = await readFile(`${crdsDir}${crdFileName(def)}`, 'utf8');
      assert.ok(onDisk === renderCrdYaml(def), `crds/${crdFileName(def)} is stale: run npm run gen:crds`);
    });
  }

  it('holds no CRD file of a kind that no longer exists', async () => {
    const expected = crdDefinitions.map(crdFileName).sort();
    const present = (await readdir(crdsDir)).filter((f) => f.endsWith('.yaml')).sort();
    assert.deepEqual(present, expected);
  });

  it('renders the same bytes every time', () => {
    for (const def of crdDefinitions) assert.equal(renderCrdYaml(def), renderCrdYaml(def));
  });
});

describe('charts/mecm-operator (generated parts)', () => {
  const chart = fileURLToPath(new URL('../../../charts/mecm-operator/', import.meta.url));

  it('carries the same CRDs as crds/', async () => {
    for (const def of crdDefinitions) {
      const inChart = await readFile(`${chart}crds/${crdFileName(def)}`, 'utf8');
      assert.ok(inChart === renderCrdYaml(def), `charts/mecm-operator/crds/${crdFileName(def)} is stale: run npm run gen:crds`);
    }
  });

  it('carries the ClusterRole rules of config/rbac/role.yaml', async () => {
    const role = await readFile(fileURLToPath(new URL('../../../config/rbac/role.yaml', import.meta.url)), 'utf8');
    assert.equal(await readFile(`${chart}files/role.yaml`, 'utf8'), role, 'run npm run gen:crds');
  });

  it('carries the Role rules of config/rbac/namespace_role.yaml', async () => {
    const role = await readFile(fileURLToPath(new URL('../../../config/rbac/namespace_role.yaml', import.meta.url)), 'utf8');
    assert.equal(await readFile(`${chart}files/namespace_role.yaml`, 'utf8'), role, 'run npm run gen:crds');
  });

  it('carries the admission policies of config/policies/, and no others', async () => {
    const source = fileURLToPath(new URL('../../../config/policies/', import.meta.url));
    const files = (await readdir(source)).filter((f) => f.endsWith('.yaml')).sort();
    assert.ok(files.length >= 3, 'the three tenancy policies');
    assert.deepEqual((await readdir(`${chart}files/policies`)).sort(), files, 'run npm run gen:crds');
    for (const file of files) {
      assert.equal(await readFile(`${chart}files/policies/${file}`, 'utf8'), await readFile(`${source}${file}`, 'utf8'), `${file}: run npm run gen:crds`);
    }
  });
});
