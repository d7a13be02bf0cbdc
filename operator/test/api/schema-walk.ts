/** Walks every node of a generated CRD schema, for the structural and description checks. */

/** A schema node as plain JSON. */
export type SchemaNode = Record<string, unknown>;

/** How a node hangs off its parent: a named property, array items, or a map's value schema. */
export type Edge = 'property' | 'items' | 'additionalProperties' | 'root';

/** Calls `visit` for `schema` and every schema below it, with a readable path (spec.mep.url, spec.affinity[]). */
export function walkSchema(schema: SchemaNode, visit: (node: SchemaNode, path: string, edge: Edge) => void, path = '', edge: Edge = 'root'): void {
  visit(schema, path, edge);
  const properties = schema.properties as Record<string, SchemaNode> | undefined;
  for (const [name, child] of Object.entries(properties ?? {})) {
    walkSchema(child, visit, path ? `${path}.${name}` : name, 'property');
  }
  if (isNode(schema.items)) walkSchema(schema.items, visit, `${path}[]`, 'items');
  if (isNode(schema.additionalProperties)) walkSchema(schema.additionalProperties, visit, `${path}{}`, 'additionalProperties');
}

function isNode(value: unknown): value is SchemaNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The openAPIV3Schema inside a generated CRD object. */
export function openApiSchema(crd: Record<string, unknown>): SchemaNode {
  const spec = crd.spec as { versions: { schema: { openAPIV3Schema: SchemaNode } }[] };
  const version = spec.versions[0];
  if (!version) throw new Error('CRD without versions');
  return version.schema.openAPIV3Schema;
}
