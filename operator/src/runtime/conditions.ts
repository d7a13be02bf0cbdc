/**
 * metav1.Condition semantics as pure functions: lastTransitionTime moves only when the status
 * changes; setting a condition to what it already is returns the same array (so callers can
 * skip the status write).
 */
export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  readonly type: string;
  readonly status: ConditionStatus;
  readonly reason: string;
  readonly message: string;
  readonly lastTransitionTime: string;
  readonly observedGeneration?: number;
}

export type ConditionInput = Omit<Condition, 'lastTransitionTime'>;

export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === 'True';
}

/** Returns `conditions` with `input` set; the same array when nothing would change. */
export function setCondition(conditions: readonly Condition[], input: ConditionInput, now: Date): readonly Condition[] {
  const index = conditions.findIndex((c) => c.type === input.type);
  const previous = index >= 0 ? conditions[index] : undefined;
  if (previous && previous.status === input.status && previous.reason === input.reason
    && previous.message === input.message && previous.observedGeneration === input.observedGeneration) {
    return conditions;
  }
  const next: Condition = {
    ...input,
    lastTransitionTime: previous && previous.status === input.status ? previous.lastTransitionTime : rfc3339(now),
  };
  if (!previous) return [...conditions, next];
  return conditions.map((c, i) => (i === index ? next : c));
}

export function removeCondition(conditions: readonly Condition[], type: string): readonly Condition[] {
  return conditions.some((c) => c.type === type) ? conditions.filter((c) => c.type !== type) : conditions;
}

/** metav1.Time has second precision; writing milliseconds would read back different. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The conditions of one reconcile, built up with metav1 semantics and read back as a list for
 * the single status write at the end.
 */
export class ConditionSet {
  private current: readonly Condition[];

  constructor(existing: readonly Condition[] | undefined, private readonly generation: number, private readonly now: Date) {
    this.current = existing ?? [];
  }

  get list(): Condition[] {
    return [...this.current];
  }

  set(type: string, ok: boolean | 'Unknown', reason: string, message: string): void {
    const status: ConditionStatus = ok === 'Unknown' ? 'Unknown' : ok ? 'True' : 'False';
    this.current = setCondition(this.current, { type, status, reason, message: message.slice(0, 4000), observedGeneration: this.generation }, this.now);
  }

  remove(type: string): void {
    this.current = removeCondition(this.current, type);
  }

  isTrue(type: string): boolean {
    return isTrue(this.current, type);
  }

  get(type: string): Condition | undefined {
    return findCondition(this.current, type);
  }
}
