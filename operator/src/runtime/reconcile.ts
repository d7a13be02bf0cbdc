/**
 * The reconciler contract. A reconcile returns what should happen next, or throws; only the
 * controller turns results and errors into queue decisions:
 *
 *   Done                → forget the key's failures; nothing until the next change or resync
 *   RequeueAfter(ms)    → forget failures; run again after ms
 *   throw ReconcileError(Terminal)   → forget; log; wait for the next change
 *   throw ReconcileError(RetryAfter) → run again after its delay
 *   throw anything else              → run again after the key's exponential backoff
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

/** An error with a CamelCase reason and what the controller should do about it. */
export class ReconcileError extends Error {
  constructor(readonly reason: string, message: string, readonly disposition: ErrorDisposition = { kind: 'Requeue' }) {
    super(message);
    this.name = 'ReconcileError';
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
