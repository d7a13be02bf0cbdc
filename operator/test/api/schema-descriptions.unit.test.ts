import assert from 'node:assert/strict';
import { crdDefinitions } from '../../src/api/crds.js';
import { customResourceDefinition } from '../../src/api/schema/crd.js';
import { openApiSchema, walkSchema } from './schema-walk.js';

// `kubectl explain` teaches only what the schema says: every field and list item explains itself.
describe('CRD schema descriptions', () => {
  for (const def of crdDefinitions) {
    it(`${def.kind}: every property and list item has a description`, () => {
      const missing: string[] = [];
      walkSchema(openApiSchema(customResourceDefinition(def)), (node, path, edge) => {
        // metadata may hold nothing but its type; a map's value schema is not a field.
        if (path === 'metadata' || edge === 'additionalProperties') return;
        const text = node.description;
        if (typeof text !== 'string' || text.trim().length < 8) missing.push(path || '(root)');
      });
      assert.deepEqual(missing, [], `fields without a useful description in ${def.kind}`);
    });
  }

  // `kubectl explain` does not print defaults, so the description has to.
  for (const def of crdDefinitions) {
    it(`${def.kind}: every scalar default is stated in its description`, () => {
      const unstated: string[] = [];
      walkSchema(openApiSchema(customResourceDefinition(def)), (node, path) => {
        if (node.default === undefined || typeof node.default === 'object') return;
        if (!String(node.description).toLowerCase().includes('default')) unstated.push(`${path} (default ${String(node.default)})`);
      });
      assert.deepEqual(unstated, []);
    });
  }

  it('describes every printer column', () => {
    for (const def of crdDefinitions) {
      for (const column of def.printerColumns) assert.ok(column.description.length > 0, `${def.kind} column ${column.name}`);
    }
  });
});
