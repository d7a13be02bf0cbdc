/**
 * What every action of a controller gets, whatever its kind: the status draft of this
 * reconcile, a logger, the single status write, and events in the kind's typed reasons. Each
 * controller's ActionContext extends it with the object and the few effects its actions need.
 */
import type { EventType } from './events.js';
import type { Logger } from './logger.js';

export interface ActionBase<Draft, EventReason extends string> {
  readonly draft: Draft;
  readonly log: Logger;
  /** Writes the draft unless nothing changed; true when it wrote. */
  commit(): Promise<boolean>;
  event(type: EventType, reason: EventReason, message: string): Promise<void>;
}
