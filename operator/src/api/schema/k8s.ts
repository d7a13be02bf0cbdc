/**
 * Schema builders for the parts of a Kubernetes *structural* schema that TypeBox does not
 * emit in the form the API server accepts. TypeBox writes `anyOf`/`const` for unions and
 * literals and `patternProperties` for records; a CRD schema may contain none of them, so
 * enums, string maps and free-form objects are built here as `Type.Unsafe` with the right
 * static type. The `x-kubernetes-*` extensions are returned as option fragments to spread into
 * a TypeBox constructor's options, because TypeBox keeps its own (non-enumerable) markers on
 * the objects it builds and copying a schema afterwards would lose them.
 */
import { Type, type TUnsafe } from 'typebox';

/**
 * One CEL rule of `x-kubernetes-validations`. `message` is what the user reads when the rule
 * fails: say what is wrong and what to do. `fieldPath` (relative to the schema the rule sits on,
 * e.g. `.kubeconfigSecretRef`) makes the API server blame that field instead of the object.
 */
export interface CelRule {
  readonly rule: string;
  readonly message: string;
  readonly fieldPath?: string;
  readonly reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

/** Options fragment attaching CEL rules to a schema: `Type.Object(props, { description, ...cel(r1, r2) })`. */
export function cel(...rules: CelRule[]): { 'x-kubernetes-validations': CelRule[] } {
  return { 'x-kubernetes-validations': rules };
}

/**
 * Options fragment for an array of objects merged by key (server-side apply) whose keys must be
 * unique; the API server refuses duplicates itself ("Duplicate value"). The key fields must be
 * required in the item schema.
 */
export function listMap(...keys: [string, ...string[]]): { 'x-kubernetes-list-type': 'map'; 'x-kubernetes-list-map-keys': string[] } {
  return { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': keys };
}

/** Options fragment for an array of scalars that must not repeat a value. */
export function listSet(): { 'x-kubernetes-list-type': 'set' } {
  return { 'x-kubernetes-list-type': 'set' };
}

/** A string enum whose static type is the union of `values` (TypeBox would emit `anyOf` of `const`s). */
export function enumOf<const V extends readonly [string, ...string[]]>(
  values: V, description: string, options: { default?: V[number] } = {},
): TUnsafe<V[number]> {
  return Type.Unsafe<V[number]>({ type: 'string', enum: [...values], description, ...options });
}

/** An object of string values under arbitrary keys (labels, APPD inputs), bounded in size. */
export function stringMap(
  description: string, options: { maxProperties?: number; maxValueLength?: number } = {},
): TUnsafe<Record<string, string>> {
  const value = options.maxValueLength === undefined
    ? { type: 'string' } : { type: 'string', maxLength: options.maxValueLength };
  return Type.Unsafe<Record<string, string>>({
    type: 'object',
    description,
    additionalProperties: value,
    ...(options.maxProperties === undefined ? {} : { maxProperties: options.maxProperties }),
  });
}

/** An object the API server stores as given (no pruning), such as Helm values. */
export function freeformObject(description: string): TUnsafe<Record<string, unknown>> {
  return Type.Unsafe<Record<string, unknown>>({
    type: 'object', description, 'x-kubernetes-preserve-unknown-fields': true,
  });
}

/**
 * A value that may be an integer or a string (ports by name, quantities). Structural schemas
 * allow this one field without `type`; nothing else may omit it.
 */
export function intOrString(description: string): TUnsafe<number | string> {
  return Type.Unsafe<number | string>({ description, 'x-kubernetes-int-or-string': true });
}

/** RFC 1123 label: lowercase alphanumerics and '-', starting and ending alphanumeric (namespaces, release names). */
export const DNS1123_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

/** RFC 1123 subdomain: dot-separated labels (most object names). */
export const DNS1123_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
