/**
 * Install and Upgrade: the release made from the desired chart and values. Install first makes
 * the namespace through the plugin when spec.createNamespace asks for it, and records in status
 * that it did, so terminate deletes only a namespace made for this instance. A failed attempt
 * is counted (countFailedAttempt); decide remediates and retries it until the spec's retries
 * are spent.
 */
import type { LcmError } from '../../../lcm/plugin.js';
import type { ReconcileResult } from '../../../runtime/reconcile.js';
import type { AppInstanceAction } from '../decide.js';
import { recordObserved } from '../summarize.js';
import { markPrerequisitesMet, operation, progressing, workLeft, type ActionContext } from './context.js';

export type ApplyRelease = Extract<AppInstanceAction, { kind: 'Install' | 'Upgrade' }>;

export async function runInstall(action: ApplyRelease, ctx: ActionContext): Promise<ReconcileResult> {
  const { draft } = ctx;
  const status = draft.value;
  const { plugin, target } = action.access;
  const { desired } = action;
  const verb = action.kind === 'Install' ? 'Installing' : 'Upgrading';
  markPrerequisitesMet(draft);
  progressing(draft, verb, verb, `${verb} ${desired.chartRef}.`);
  status.lastOperation = operation(status, 'INSTANTIATE', 'PROCESSING', draft.now);
  if (action.kind === 'Install' && desired.createNamespace) {
    const namespace = await plugin.ensureNamespace(target);
    // 'Ours' without a record: made by an attempt that died before status was written.
    if (namespace === 'Created' || (namespace === 'Ours' && status.release?.createdNamespace === undefined)) {
      status.release = { ...status.release, createdNamespace: true };
    }
  }
  const request = { ...target, chartRef: desired.chartRef, plainHttp: desired.plainHttp, values: desired.values, timeoutMs: desired.timeoutMs };
  const release = action.kind === 'Install' ? await plugin.install(request) : await plugin.upgrade(request);
  recordObserved(status, { release, workloads: undefined });
  status.release = { ...status.release, appliedDigest: desired.digest };
  status.failures = 0;
  draft.set('Instantiated', true, action.kind === 'Install' ? 'InstallSucceeded' : 'UpgradeSucceeded',
    `Release ${release.name} revision ${release.revision} deployed from ${desired.chartRef}.`);
  if (status.operationalState === 'NOT_INSTANTIATED' || !status.operationalState) status.operationalState = 'STARTED';
  if (action.kind === 'Install') {
    await ctx.event('Normal', 'Installed', `Release ${release.name} revision ${release.revision}.`);
  } else if (action.why === 'Drift') {
    await ctx.event('Warning', 'DriftRepaired', `Release ${release.name} revision ${release.revision} to repair objects deleted on the edge.`);
  } else {
    await ctx.event('Normal', 'Upgraded', `Release ${release.name} revision ${release.revision}.`);
  }
  return workLeft;
}

/**
 * A failed install or upgrade counts against spec.remediation.retries, whatever its cause: it
 * stays Reconciling (not Stalled) because decide remediates and retries it, or gives up.
 */
export function countFailedAttempt(action: ApplyRelease, error: LcmError, ctx: ActionContext): void {
  const { draft } = ctx;
  draft.value.failures = (draft.value.failures ?? 0) + 1;
  draft.value.lastOperation = operation(draft.value, 'INSTANTIATE', 'FAILED', draft.now);
  draft.set('Instantiated', false, `${action.kind}Failed`, `${error.reason}: ${error.message}`);
  draft.markReconciling(error.reason, error.message);
}
