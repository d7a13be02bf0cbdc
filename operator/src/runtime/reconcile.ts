/**
 * The reconciler contract. A reconcile returns what should happen next, or throws; only the
 * controller turns results and errors into queue decisions, through `dispositionOf`:
 *
 *   Done                → forget the key's failures; nothing until the next change or resync
 *   RequeueAfter(ms)    → forget failures; run again after ms
 *   throw, transient with retryAfterMs → run again after that delay       (RetryAfter)
 *   throw, transient (or not a ReasonedError) → the key's exponential backoff (Requeue)
 *   throw, not transient → forget; log; wait for the next change            (Terminal)
 */
import type { Logger } from './logger.js';

export type ReconcileResult =
  | { readonly kind: 'Done' }
  | { readonly kind: 'RequeueAfter'; readonly ms: number };

export const done: ReconcileResult = { kind: 'Done' };
export const requeueAfter = (ms: number): ReconcileResult => ({ kind: 'RequeueAfter', ms });

export type ErrorDisposition =
  | { readonly kind: 'Requeue' }
  | { readonly kind: 'RetryAfter'; readonly ms: number }
  | { readonly kind: 'Terminal' };

/**
 * What every domain error of the operator carries (LCM, download, distribution, MEP, CSAR):
 * a CamelCase `reason`, used as the condition reason, and whether a retry alone may succeed.
 */
export interface ReasonedError extends Error {
  readonly reason: string;
  readonly transient: boolean;
  /** A transient error that knows when to try again (e.g. a server's Retry-After). */
  readonly retryAfterMs?: number;
}

export function isReasonedError(error: unknown): error is ReasonedError {
  return error instanceof Error && typeof (error as Partial<ReasonedError>).reason === 'string'
    && typeof (error as Partial<ReasonedError>).transient === 'boolean';
}

/** The one place an error becomes a queue decision. Unknown errors are retried with backoff. */
export function dispositionOf(error: unknown): ErrorDisposition {
  if (!isReasonedError(error)) return { kind: 'Requeue' };
  if (!error.transient) return { kind: 'Terminal' };
  return error.retryAfterMs !== undefined ? { kind: 'RetryAfter', ms: error.retryAfterMs } : { kind: 'Requeue' };
}

/** The reason of an error for logs and metrics: its own, or ReconcileFailed. */
export function reasonOf(error: unknown): string {
  return isReasonedError(error) ? error.reason : 'ReconcileFailed';
}

/** A ReasonedError raised by a controller itself (e.g. "work left, retry with backoff"). */
export class ReconcileError extends Error implements ReasonedError {
  readonly transient: boolean;
  readonly retryAfterMs?: number;

  constructor(readonly reason: string, message: string, options: { readonly transient?: boolean; readonly retryAfterMs?: number } = {}) {
    super(message);
    this.name = 'ReconcileError';
    this.transient = options.transient ?? true;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}

export interface ReconcileContext {
  readonly log: Logger;
  readonly reconcileId: string;
  /** Aborted when the controller stops (shutdown or lost leadership). */
  readonly signal: AbortSignal;
}

export interface Reconciler {
  reconcile(key: string, context: ReconcileContext): Promise<ReconcileResult>;
}
