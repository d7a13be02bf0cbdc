/**
 * `npm run gen:crds`: writes crds/mecm.io_<plural>.yaml from the TypeBox schemas in
 * operator/src/api, and removes generated files of kinds that no longer exist. The operator's
 * chart gets the same CRDs, the rules of config/rbac/role.yaml (ClusterRole) and
 * config/rbac/namespace_role.yaml (Role), and the admission policies of config/policies/, since
 * Helm reads only files inside the chart. Run it after changing a schema, a role or a policy; a
 * unit test fails while the files on disk are stale.
 */
import { copyFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crdDefinitions } from '../src/api/crds.js';
import { GROUP } from '../src/api/group.js';
import { crdFileName, renderCrdYaml } from '../src/api/schema/crd.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const crdDirs = ['crds', 'charts/mecm-operator/crds'];

const wanted = new Map(crdDefinitions.map((def) => [crdFileName(def), renderCrdYaml(def)]));
for (const dir of crdDirs) {
  await mkdir(join(root, dir), { recursive: true });
  for (const [file, text] of wanted) {
    await writeFile(join(root, dir, file), text);
    console.log(`wrote ${dir}/${file}`);
  }
  for (const file of await readdir(join(root, dir))) {
    if (file.startsWith(`${GROUP}_`) && file.endsWith('.yaml') && !wanted.has(file)) {
      await rm(join(root, dir, file));
      console.log(`removed ${dir}/${file}`);
    }
  }
}
await mkdir(join(root, 'charts/mecm-operator/files'), { recursive: true });
for (const file of ['role.yaml', 'namespace_role.yaml']) {
  await copyFile(join(root, 'config/rbac', file), join(root, 'charts/mecm-operator/files', file));
  console.log(`wrote charts/mecm-operator/files/${file}`);
}
// The tenancy admission policies: the chart installs config/policies/ under the release's names.
const policies = join(root, 'charts/mecm-operator/files/policies');
await rm(policies, { recursive: true, force: true });
await mkdir(policies, { recursive: true });
for (const file of (await readdir(join(root, 'config/policies'))).filter((f) => f.endsWith('.yaml'))) {
  await copyFile(join(root, 'config/policies', file), join(policies, file));
  console.log(`wrote charts/mecm-operator/files/policies/${file}`);
}
