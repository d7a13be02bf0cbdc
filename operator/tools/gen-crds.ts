/**
 * `npm run gen:crds`: writes crds/mecm.io_<plural>.yaml from the TypeBox schemas in
 * operator/src/api, and removes generated files of kinds that no longer exist. Run it after
 * changing a schema; a unit test fails while the files on disk are stale.
 */
import { readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crdDefinitions } from '../src/api/crds.js';
import { GROUP } from '../src/api/group.js';
import { crdFileName, renderCrdYaml } from '../src/api/schema/crd.js';

const crdsDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'crds');

const wanted = new Map(crdDefinitions.map((def) => [crdFileName(def), renderCrdYaml(def)]));
for (const [file, text] of wanted) {
  await writeFile(join(crdsDir, file), text);
  console.log(`wrote crds/${file}`);
}
for (const file of await readdir(crdsDir)) {
  if (file.startsWith(`${GROUP}_`) && file.endsWith('.yaml') && !wanted.has(file)) {
    await rm(join(crdsDir, file));
    console.log(`removed crds/${file}`);
  }
}
