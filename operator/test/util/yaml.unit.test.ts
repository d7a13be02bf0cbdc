/** The guarded YAML loader for user values: types kept, bombs and giants refused fast. */
import assert from 'node:assert/strict';
import { loadYamlGuarded, YamlRefusedError } from '../../src/util/yaml.js';
import { aliasBomb } from '../support/hostile-yaml.js';

describe('Guarded YAML (valuesFrom)', () => {
  it('keeps the core schema\'s types: numbers, booleans, null, strings', () => {
    assert.deepEqual(loadYamlGuarded('replicas: 2\nenabled: false\nratio: 0.5\nname: web\nempty: ~\nversion: "1.0"\n', 'values'),
      { replicas: 2, enabled: false, ratio: 0.5, name: 'web', empty: null, version: '1.0' });
  });

  it('refuses an alias bomb by the node cap, quickly', () => {
    const started = Date.now();
    assert.throws(() => loadYamlGuarded(aliasBomb, 'ConfigMap team/values key values.yaml'),
      (e: unknown) => e instanceof YamlRefusedError && e.problem === 'TooManyNodes' && /ConfigMap team\/values .* more than 100000 nodes/.test(e.message));
    assert.ok(Date.now() - started < 2000);
  });

  it('refuses text past the size cap before parsing, and what is not YAML', () => {
    assert.throws(() => loadYamlGuarded('a: 1\n'.repeat(100), 'values', { maxBytes: 100, maxNodes: 10 }), (e: unknown) => e instanceof YamlRefusedError && e.problem === 'TooLarge');
    assert.throws(() => loadYamlGuarded('a: [1, 2', 'values'), (e: unknown) => e instanceof YamlRefusedError && e.problem === 'Invalid');
    assert.throws(() => loadYamlGuarded('a: !!js/function "x"', 'values'), (e: unknown) => e instanceof YamlRefusedError && e.problem === 'Invalid');
  });

  it('keeps __proto__ as data', () => {
    const tree = loadYamlGuarded('__proto__: {polluted: true}\n', 'values') as Record<string, unknown>;
    assert.deepEqual(Object.keys(tree), ['__proto__']);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});
