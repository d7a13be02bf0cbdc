/**
 * The AppDeployment's next step, as a pure function of one observation:
 *
 *   namespace governed by no Tenant ─────────────► NotPermitted (nothing created, updated or removed)
 *   instances of hosts no longer placed ──────────► Remove (Delete, or Orphan: unowned, unlabelled)
 *   otherwise ────────────────────────────────────► the rollout's step (rollout.ts)
 *
 * Removal goes first and ignores spec.rollout.paused: a host that leaves the placement, or that
 * the Tenant no longer grants, must not keep the app because a rollout waits.
 */
import type { Verdict } from '../../tenancy/verdict.js';
import type { Placement } from './placement.js';
import { decideRollout, type RolloutAction, type RolloutDecision, type RolloutInput } from './rollout.js';

/** An instance of ours whose host is not placed any more. */
export interface StrayInstance {
  readonly name: string;
  readonly host: string;
  /** Already being deleted: its finalizer is at work, nothing to do. */
  readonly deleting: boolean;
}

export interface AppDeploymentObservation {
  /** Whether a Tenant governs the namespace (or tenancy is off). */
  readonly governed: Verdict;
  readonly placement: Placement;
  readonly strays: readonly StrayInstance[];
  readonly removalPolicy: 'Delete' | 'Orphan';
  readonly rollout: RolloutInput;
}

export type AppDeploymentAction =
  | { readonly kind: 'NotPermitted'; readonly message: string }
  | { readonly kind: 'Remove'; readonly policy: 'Delete' | 'Orphan'; readonly instances: readonly StrayInstance[] }
  | RolloutAction;

export interface AppDeploymentDecision {
  readonly action: AppDeploymentAction;
  /** What the rollout says of status.wave and status.failedHosts (unchanged when it was not asked). */
  readonly rollout: RolloutDecision | undefined;
}

export function decide(o: AppDeploymentObservation): AppDeploymentDecision {
  if (!o.governed.ok) return { action: { kind: 'NotPermitted', message: o.governed.message }, rollout: undefined };
  const strays = o.strays.filter((s) => !s.deleting);
  if (strays.length) return { action: { kind: 'Remove', policy: o.removalPolicy, instances: strays }, rollout: undefined };
  const rollout = decideRollout(o.rollout);
  return { action: rollout.action, rollout };
}
