import assert from 'node:assert/strict';
import { crdDefinitions } from '../../src/api/crds.js';
import { customResourceDefinition } from '../../src/api/schema/crd.js';
import { openApiSchema, walkSchema, type SchemaNode } from './schema-walk.js';

// The keywords a structural schema may use here. A whitelist, so that a TypeBox builder slipping
// anyOf/const/$id/patternProperties (or anything new) into the output fails this test, not the
// API server at install time.
const allowedKeywords = new Set([
  'type', 'description', 'properties', 'required', 'items', 'additionalProperties', 'enum', 'default',
  'format', 'pattern', 'minLength', 'maxLength', 'minimum', 'maximum', 'minItems', 'maxItems',
  'minProperties', 'maxProperties', 'nullable',
  'x-kubernetes-validations', 'x-kubernetes-list-type', 'x-kubernetes-list-map-keys',
  'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-int-or-string', 'x-kubernetes-map-type',
]);
const allowedFormats = new Set(['date-time', 'int32', 'int64']);
const allowedTypes = new Set(['object', 'array', 'string', 'integer', 'number', 'boolean']);

function problemsOf(node: SchemaNode, path: string): string[] {
  const at = path || '(root)';
  const problems: string[] = [];
  for (const key of Object.keys(node)) if (!allowedKeywords.has(key)) problems.push(`${at}: keyword ${key}`);
  const untyped = node['x-kubernetes-int-or-string'] === true || node['x-kubernetes-preserve-unknown-fields'] === true;
  if (typeof node.type !== 'string' || !allowedTypes.has(node.type)) {
    if (!untyped || node.type !== undefined) problems.push(`${at}: type ${String(node.type)}`);
  }
  if (node.properties !== undefined && node.additionalProperties !== undefined) problems.push(`${at}: properties and additionalProperties`);
  if (node.additionalProperties === false) problems.push(`${at}: additionalProperties false`);
  if (node.format !== undefined && !allowedFormats.has(String(node.format))) problems.push(`${at}: format ${String(node.format)}`);
  for (const name of (node.required as string[] | undefined) ?? []) {
    if (!(name in ((node.properties as object | undefined) ?? {}))) problems.push(`${at}: required ${name} is not a property`);
  }
  if (node['x-kubernetes-list-type'] === 'map') {
    const items = node.items as SchemaNode;
    const required = (items.required as string[] | undefined) ?? [];
    for (const key of node['x-kubernetes-list-map-keys'] as string[]) {
      if (!required.includes(key)) problems.push(`${at}: list-map key ${key} is not required in the items`);
    }
  }
  if (node['x-kubernetes-list-type'] === 'set' && (node.items as SchemaNode).type === 'object') {
    problems.push(`${at}: a set of objects`);
  }
  for (const rule of (node['x-kubernetes-validations'] as { rule?: unknown; message?: unknown }[] | undefined) ?? []) {
    if (typeof rule.rule !== 'string' || typeof rule.message !== 'string' || rule.message.length < 20) {
      problems.push(`${at}: CEL rule without a helpful message: ${String(rule.rule)}`);
    }
  }
  return problems;
}

describe('CRD schemas are structural', () => {
  for (const def of crdDefinitions) {
    it(`${def.kind}: only structural keywords, a type on every node`, () => {
      const problems: string[] = [];
      walkSchema(openApiSchema(customResourceDefinition(def)), (node, path) => problems.push(...problemsOf(node, path)));
      assert.deepEqual(problems, []);
    });
  }

  it('the checker itself catches what TypeBox would emit for unions and records', () => {
    const bad: SchemaNode = {
      type: 'object', description: 'x',
      properties: {
        union: { anyOf: [{ const: 'A' }, { const: 'B' }] },
        record: { type: 'object', patternProperties: { '^.*$': { type: 'string' } } },
      },
    };
    const problems: string[] = [];
    walkSchema(bad, (node, path) => problems.push(...problemsOf(node, path)));
    assert.ok(problems.some((p) => p.includes('keyword anyOf')), problems.join('\n'));
    assert.ok(problems.some((p) => p.includes('keyword patternProperties')), problems.join('\n'));
    assert.ok(problems.some((p) => p.startsWith('union: type')), problems.join('\n'));
  });
});
