/**
 * What to do next about one AppRule, from what the MEP holds (pure):
 *
 *   a task of ours still PROCESSING ───────────────► WaitForTask
 *   deleting: MEP holds a configuration ───────────► Delete, then ReleaseFinalizer
 *   MEP holds nothing ─────────────────────────────► Create (POST, once: never while a task runs)
 *   MEP holds another appName or only Mp1 differs ─► Delete (then Create): the MEP cannot PUT those
 *   MEP holds other rules ─────────────────────────► Update (PUT)
 *   MEP holds exactly the spec ────────────────────► InSync (check again later: drift)
 */
import type { AppRule } from '../../api/apprule.js';
import { sameConfig } from '../../mep/digest.js';
import type { MepAppConfig } from '../../mep/types.js';

export type AppRuleAction =
  | { readonly kind: 'WaitForTask'; readonly taskId: string }
  | { readonly kind: 'Create' }
  | { readonly kind: 'Update' }
  | { readonly kind: 'Delete'; readonly why: 'Deleting' | 'AppNameChanged' | 'Mp1Changed' }
  | { readonly kind: 'InSync' }
  | { readonly kind: 'ReleaseFinalizer' };

export function desiredConfig(rule: AppRule): MepAppConfig {
  return {
    appName: rule.spec.appName,
    appSupportMp1: rule.spec.appSupportMp1 ?? false,
    appTrafficRule: rule.spec.appTrafficRule ?? [],
    appDNSRule: rule.spec.appDNSRule ?? [],
  };
}

export interface AppRuleObservation {
  /** A task of ours the MEP still reports PROCESSING. */
  readonly runningTaskId: string | undefined;
  /** What the MEP holds for this app instance (undefined: nothing). */
  readonly current: MepAppConfig | undefined;
  readonly deleting: boolean;
}

export function decideAction(rule: AppRule, observed: AppRuleObservation): AppRuleAction {
  if (observed.runningTaskId) return { kind: 'WaitForTask', taskId: observed.runningTaskId };
  const { current } = observed;
  if (observed.deleting) return current ? { kind: 'Delete', why: 'Deleting' } : { kind: 'ReleaseFinalizer' };
  if (!current) return { kind: 'Create' };
  const desired = desiredConfig(rule);
  if (sameConfig(current, desired)) return { kind: 'InSync' };
  if (current.appName !== desired.appName) return { kind: 'Delete', why: 'AppNameChanged' };
  const rulesSame = sameConfig({ ...current, appSupportMp1: desired.appSupportMp1 }, desired);
  if (rulesSame) return { kind: 'Delete', why: 'Mp1Changed' };
  return { kind: 'Update' };
}
