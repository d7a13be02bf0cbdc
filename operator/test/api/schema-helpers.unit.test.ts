import assert from 'node:assert/strict';
import { cel, enumOf, freeformObject, intOrString, listMap, stringMap } from '../../src/api/schema/k8s.js';

const json = (schema: unknown): unknown => JSON.parse(JSON.stringify(schema));

describe('structural schema helpers', () => {
  it('enumOf emits a string enum, not anyOf of consts', () => {
    assert.deepEqual(json(enumOf(['A', 'B'], 'Pick one.', { default: 'A' })),
      { type: 'string', enum: ['A', 'B'], description: 'Pick one.', default: 'A' });
  });

  it('stringMap emits additionalProperties, not patternProperties', () => {
    assert.deepEqual(json(stringMap('Labels.', { maxProperties: 4, maxValueLength: 63 })),
      { type: 'object', description: 'Labels.', additionalProperties: { type: 'string', maxLength: 63 }, maxProperties: 4 });
  });

  it('freeformObject and intOrString carry the extensions that let them skip pruning or type', () => {
    assert.deepEqual(json(freeformObject('Values.')),
      { type: 'object', description: 'Values.', 'x-kubernetes-preserve-unknown-fields': true });
    assert.deepEqual(json(intOrString('Port.')), { description: 'Port.', 'x-kubernetes-int-or-string': true });
  });

  it('cel and listMap are option fragments', () => {
    assert.deepEqual(cel({ rule: 'self > 0', message: 'must be positive' }),
      { 'x-kubernetes-validations': [{ rule: 'self > 0', message: 'must be positive' }] });
    assert.deepEqual(listMap('name'), { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] });
  });
});
