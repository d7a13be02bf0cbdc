/** metav1.LabelSelector matching: an absent selector selects nothing (callers decide), an empty one everything. */

/** A metav1.LabelSelector as our schemas spell it. */
export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly {
    readonly key: string;
    readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
    readonly values?: readonly string[];
  }[];
}

export function matchesSelector(labels: Readonly<Record<string, string>>, selector: LabelSelector): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (labels[key] !== value) return false;
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    // Own keys only: a label key such as "constructor" must not find Object's.
    const value = Object.hasOwn(labels, key) ? labels[key] : undefined;
    const ok = operator === 'In' ? value !== undefined && values.includes(value)
      : operator === 'NotIn' ? value === undefined || !values.includes(value)
        : operator === 'Exists' ? value !== undefined : value === undefined;
    if (!ok) return false;
  }
  return true;
}
