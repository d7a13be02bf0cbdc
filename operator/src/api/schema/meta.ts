/**
 * Schemas of the Kubernetes API shapes every kind reuses: metav1.Condition, LabelSelector,
 * object and Secret references, timestamps. They mirror the upstream Go types and their limits
 * so that tools written for core kinds (kstatus, Argo CD, `kubectl wait`) read ours the same way.
 */
import { Type, type Static } from 'typebox';
import { cel, DNS1123_LABEL, DNS1123_SUBDOMAIN, enumOf, listMap, listSet, stringMap, type CelRule } from './k8s.js';

/** An RFC 3339 timestamp, as metav1.Time serialises. */
export function timestamp(description: string) {
  return Type.String({ description, format: 'date-time' });
}

/** The name of an object in the API (RFC 1123 subdomain, at most 253 characters). */
export function objectName(description: string) {
  return Type.String({ description, minLength: 1, maxLength: 253, pattern: DNS1123_SUBDOMAIN });
}

/** `{name}`: a reference to another object whose kind and namespace the field's description states. */
export function objectRef(description: string, nameDescription: string, ...rules: CelRule[]) {
  return Type.Object({ name: objectName(nameDescription) }, { description, ...(rules.length > 0 ? cel(...rules) : {}) });
}

/** A key of a Secret or ConfigMap `data` map. */
function dataKey(description: string, defaultKey?: string) {
  return Type.String({
    description, minLength: 1, maxLength: 253, pattern: '^[-._a-zA-Z0-9]+$',
    ...(defaultKey === undefined ? {} : { default: defaultKey }),
  });
}

/**
 * The namespace of a Secret a cluster-scoped kind names. Such Secrets live in the operator's
 * namespace only, so the operator lists and watches Secrets nowhere else; the CRD cannot know
 * that namespace (the chart's admission policy and the controllers refuse any other).
 */
function operatorNamespace() {
  return Type.Optional(Type.String({
    description: 'Namespace of the Secret: it must be the operator\'s namespace (where the operator runs, mecm-system by default), which is also what an omitted namespace means. Any other namespace is refused.',
    minLength: 1, maxLength: 63, pattern: DNS1123_LABEL,
  }));
}

/** `{name, namespace?, key?}`: a Secret in the operator's namespace, for cluster-scoped kinds (which have no namespace of their own). */
export function operatorSecretKeyRef(description: string, defaultKey?: string) {
  return Type.Object({
    name: objectName('Name of the Secret.'),
    namespace: operatorNamespace(),
    key: Type.Optional(dataKey(
      defaultKey === undefined ? 'Key in the Secret\'s data.' : `Key in the Secret's data (default "${defaultKey}").`,
      defaultKey)),
  }, { description });
}

/**
 * `{name, key?}`: a Secret in the referring object's own namespace. Namespaced kinds never reach
 * into another namespace, so one tenant cannot make the operator read another tenant's Secrets.
 */
export function localSecretKeyRef(description: string, defaultKey?: string) {
  return Type.Object({
    name: objectName('Name of the Secret, in the same namespace as this object.'),
    key: Type.Optional(dataKey(
      defaultKey === undefined ? 'Key in the Secret\'s data.' : `Key in the Secret's data (default "${defaultKey}").`,
      defaultKey)),
  }, { description });
}

/** `{name, namespace?}`: a whole Secret (several keys) in the operator's namespace, for cluster-scoped kinds. */
export function operatorSecretRef(description: string) {
  return Type.Object({
    name: objectName('Name of the Secret.'),
    namespace: operatorNamespace(),
  }, { description });
}

/** `{name}`: a whole Secret (several keys) in the referring object's own namespace. */
export function localSecretRef(description: string) {
  return Type.Object({
    name: objectName('Name of the Secret, in the same namespace as this object.'),
  }, { description });
}

/** metav1.LabelSelector; an empty selector selects every object, an absent one none. */
export function labelSelector(description: string) {
  return Type.Object({
    matchLabels: Type.Optional(stringMap(
      'Labels an object must carry, all of them (ANDed with matchExpressions).',
      { maxProperties: 64, maxValueLength: 63 })),
    matchExpressions: Type.Optional(Type.Array(Type.Object({
      key: Type.String({ description: 'Label key the requirement applies to.', minLength: 1, maxLength: 317 }),
      operator: enumOf(['In', 'NotIn', 'Exists', 'DoesNotExist'],
        'How the label\'s value relates to values: In and NotIn need values, Exists and DoesNotExist need none.'),
      values: Type.Optional(Type.Array(Type.String({ description: 'A label value.', maxLength: 63 }), {
        description: 'Values for In and NotIn.', maxItems: 64, ...listSet(),
      })),
    }, { description: 'A label requirement.' }), {
      description: 'Label requirements, all of which must hold.', maxItems: 32,
    })),
  }, { description, 'x-kubernetes-map-type': 'atomic' });
}

/** metav1.Condition with the upstream limits, so kstatus and `kubectl wait --for=condition` understand it. */
export const Condition = Type.Object({
  type: Type.String({
    description: 'Type of the condition in CamelCase, e.g. Ready.',
    minLength: 1, maxLength: 316,
    pattern: '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
  }),
  status: enumOf(['True', 'False', 'Unknown'], 'Status of the condition: True, False or Unknown.'),
  observedGeneration: Type.Optional(Type.Integer({
    description: 'The metadata.generation the condition was set for; older than the object\'s generation means the condition is stale.',
    format: 'int64', minimum: 0,
  })),
  lastTransitionTime: timestamp('When the condition last changed status.'),
  reason: Type.String({
    description: 'Why the condition has its status, in CamelCase (a word a program can match on).',
    minLength: 1, maxLength: 1024, pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
  }),
  message: Type.String({ description: 'What happened and what to do about it, for a person.', maxLength: 32768 }),
}, { description: 'One aspect of the object\'s state (metav1.Condition).' });

/** A condition as stored in `.status.conditions`. */
export type Condition = Static<typeof Condition>;

/** `.status.conditions`: one entry per type, merged by type; `types` are listed in the description. */
export function conditions(types: readonly string[]) {
  return Type.Array(Condition, {
    description: `Current state as conditions, one per type: ${types.join(', ')}.`,
    maxItems: 32,
    ...listMap('type'),
  });
}

/** `.status.observedGeneration`: the generation of the spec the status describes. */
export function observedGeneration() {
  return Type.Integer({
    description: 'The metadata.generation the controller last acted on fully; when it is less than metadata.generation the status is not yet about the current spec.',
    format: 'int64', minimum: 0,
  });
}
