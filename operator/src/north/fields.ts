/**
 * Validates the text fields of a multipart form against the route's schema (the one its
 * OpenAPI entry shows), with Ajv as fastify validates JSON bodies: no coercion, first error.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import type { Static, TSchema } from 'typebox';
import { badRequest } from './errors.js';

const ajv = new Ajv({ allErrors: false, strict: false, coerceTypes: false });
const compiled = new WeakMap<TSchema, ValidateFunction>();

export function validFields<S extends TSchema>(schema: S, fields: Readonly<Record<string, string>>): Static<S> {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(JSON.parse(JSON.stringify(schema)) as object);
    compiled.set(schema, validate);
  }
  if (!validate(fields)) {
    const e = validate.errors?.[0];
    const where = e?.instancePath ? `form field ${e.instancePath.slice(1)}` : 'the form';
    throw badRequest(`invalid request: ${where} ${e?.message ?? 'is invalid'}${e?.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})` : ''}`);
  }
  return fields as Static<S>;
}
