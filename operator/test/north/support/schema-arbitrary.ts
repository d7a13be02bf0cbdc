/**
 * fast-check arbitraries from the JSON Schemas of North's OpenAPI document: values the schema
 * accepts (so requests reach past validation), mixed with values it does not.
 */
import fc from 'fast-check';

export interface JsonSchema {
  type?: string;
  enum?: unknown[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  patternProperties?: Record<string, JsonSchema>;
}

/** Values the schema describes (best effort: patterns through stringMatching). */
export function fromSchema(schema: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
  if (schema.enum) return fc.constantFrom(...schema.enum);
  switch (schema.type) {
    case 'string':
      return schema.pattern
        ? fc.stringMatching(new RegExp(schema.pattern, 'u')).filter((s) => s.length <= (schema.maxLength ?? 4096))
        : fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 64, 64) });
    case 'integer': return fc.integer();
    case 'number': return fc.double({ noNaN: true });
    case 'boolean': return fc.boolean();
    case 'array': return fc.array(schema.items ? fromSchema(schema.items, depth + 1) : fc.jsonValue(), { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 4, 4) });
    case 'object': {
      if (depth > 3) return fc.constant({});
      const required = new Set(schema.required ?? []);
      const props = Object.entries(schema.properties ?? {});
      const record = fc.record(Object.fromEntries(props.map(([k, v]) => [k, fromSchema(v, depth + 1)])), { requiredKeys: props.map(([k]) => k).filter((k) => required.has(k)) });
      const extra = schema.patternProperties ? fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 16 }), { maxKeys: 3 }) : fc.constant({});
      return fc.tuple(record, extra).map(([a, b]) => ({ ...b, ...a }));
    }
    default: return fc.jsonValue();
  }
}

/** Valid values most of the time, anything JSON otherwise. */
export function nearSchema(schema: JsonSchema): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 3, arbitrary: fromSchema(schema) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) });
}
