/**
 * One reconcile's status, built up and written once (Flux's patch helper, kstatus conditions):
 *
 *   new StatusDraft(object, summarize) ─► set/remove the kind's own conditions
 *        │                               markReconciling ⟷ markStalled (each clears the other)
 *        ▼                               markSettled (neither)
 *   draft.result() ─► Ready from summarize(draft) ─► writeStatus (no write when unchanged)
 *
 * `T` is the kind's condition types apart from Ready, Reconciling and Stalled; `R` its reasons.
 * Both are string-literal unions declared with the kind's API, so a misspelt type or reason
 * does not compile. Ready is written only from the kind's `summarize`.
 */
import { findCondition, setCondition, removeCondition, type Condition, type ConditionStatus } from './conditions.js';
import { isReasonedError } from './reconcile.js';

/** The condition types every kind has, kept by the draft itself. */
export type CommonConditionType = 'Ready' | 'Reconciling' | 'Stalled';

export interface ConditionedStatus {
  conditions?: Condition[];
  observedGeneration?: number;
}

/** What `summarize` says of Ready. */
export interface ReadySummary<R extends string> {
  readonly ready: boolean;
  readonly reason: R;
  readonly message: string;
}

/** Read access to a draft's conditions, for `summarize`. */
export interface ConditionReader<T extends string> {
  get(type: T | CommonConditionType): Condition | undefined;
  isTrue(type: T | CommonConditionType): boolean;
}

export type Summarize<T extends string, R extends string> = (conditions: ConditionReader<T>) => ReadySummary<R>;

/** Messages are bounded: a status must stay small whatever an error says. */
const maxMessageLength = 4000;

export class StatusDraft<S extends ConditionedStatus, T extends string, R extends string> implements ConditionReader<T> {
  /** A deep copy of the object's status: change its fields freely; conditions go through the setters. */
  readonly value: S;
  readonly now: Date;
  private conditions: readonly Condition[];
  private readonly generation: number;

  constructor(
    object: { readonly metadata: { readonly generation?: number }; readonly status?: S },
    private readonly summarize: Summarize<T, R>,
    now: Date = new Date(),
  ) {
    this.value = JSON.parse(JSON.stringify(object.status ?? {})) as S;
    this.conditions = (object.status?.conditions ?? []) as readonly Condition[];
    this.generation = object.metadata.generation ?? 0;
    this.now = now;
  }

  set(type: T, status: boolean | 'Unknown', reason: R, message: string): void {
    this.put(type, status, reason, message);
  }

  remove(type: T): void {
    this.conditions = removeCondition(this.conditions, type);
  }

  get(type: T | CommonConditionType): Condition | undefined {
    return findCondition(this.conditions, type);
  }

  isTrue(type: T | CommonConditionType): boolean {
    return this.get(type)?.status === 'True';
  }

  /** Work is under way (or waiting for something that will come): clears Stalled. */
  markReconciling(reason: R, message: string): void {
    this.put('Reconciling', true, reason, message);
    this.conditions = removeCondition(this.conditions, 'Stalled');
  }

  /** Nothing will change without a change of spec or of the world: clears Reconciling. */
  markStalled(reason: R, message: string): void {
    this.put('Stalled', true, reason, message);
    this.conditions = removeCondition(this.conditions, 'Reconciling');
  }

  /** Neither reconciling nor stalled: the object is where its spec says. */
  markSettled(): void {
    this.conditions = removeCondition(removeCondition(this.conditions, 'Reconciling'), 'Stalled');
  }

  /**
   * An error of the kind's domain: Reconciling while a retry may pass, Stalled otherwise.
   * The caller passes the reason typed (its error classes' reason unions are part of R).
   */
  markFailure(error: unknown, reason: R, message: string): void {
    if (isReasonedError(error) && !error.transient) this.markStalled(reason, message);
    else this.markReconciling(reason, message);
  }

  /** The spec was acted on as far as it can be: status.observedGeneration follows it. */
  markObserved(): void {
    this.value.observedGeneration = this.generation;
  }

  /** The status to write: the conditions with Ready from `summarize`. */
  result(): S {
    const ready = this.summarize(this);
    this.put('Ready', ready.ready, ready.reason, ready.message);
    return { ...this.value, conditions: [...this.conditions] };
  }

  private put(type: string, status: boolean | 'Unknown', reason: string, message: string): void {
    const value: ConditionStatus = status === 'Unknown' ? 'Unknown' : status ? 'True' : 'False';
    this.conditions = setCondition(this.conditions, {
      type, status: value, reason, message: message.slice(0, maxMessageLength), observedGeneration: this.generation,
    }, this.now);
  }
}

/** A summary that takes the first condition of `order` that is not True (Ready otherwise). */
export function firstNotTrue<T extends string, R extends string>(
  conditions: ConditionReader<T>, order: readonly T[], ready: ReadySummary<R>,
): ReadySummary<R> {
  for (const type of order) {
    const condition = conditions.get(type);
    if (condition && condition.status !== 'True') return { ready: false, reason: condition.reason as R, message: condition.message };
  }
  return ready;
}

