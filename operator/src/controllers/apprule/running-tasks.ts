/**
 * The MEP task each AppRule waits for, with when we started waiting. Kept in memory as well as
 * in status: the informer's copy of our own status write may arrive after the next reconcile,
 * and a stale copy must never make us send a second change while one runs. After a restart
 * status.taskId (configResult PROCESSING) stands in, and the wait starts again.
 */
import type { AppRuleObservation } from './observe.js';

export interface RunningTask {
  readonly taskId: string;
  /** ms since epoch. */
  readonly since: number;
}

export class RunningTasks {
  private readonly tasks = new Map<string, RunningTask>();

  get(key: string): RunningTask | undefined {
    return this.tasks.get(key);
  }

  follow(key: string, task: RunningTask): void {
    this.tasks.set(key, task);
  }

  forget(key: string): void {
    this.tasks.delete(key);
  }

  /** Keeps following a task observed PROCESSING; forgets one observed over. */
  observed(key: string, observation: AppRuleObservation): void {
    if (observation.kind === 'TaskRunning') this.follow(key, { taskId: observation.task.taskId, since: observation.since });
    else if (observation.kind === 'TaskFailed' || observation.kind === 'Idle') this.forget(key);
  }
}
