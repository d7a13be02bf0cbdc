/**
 * Withdraw: on deletion, takes the package out of every host that has an entry (a host the
 * Tenant does not grant only when the package was pushed there while it was). Hosts that did
 * not answer stay in status.hosts as Deleting and are retried with backoff; when none is left,
 * ReleaseFinalizer follows at once.
 */
import { requeueAfter, type ReconcileResult } from '../../../runtime/reconcile.js';
import type { Charts, HostStep } from '../decide.js';
import { AppPackageError } from '../errors.js';
import { deletingEntry, type HostEntry } from '../hosts.js';
import type { ActionContext } from './context.js';
import { forget, removeFrom } from './remove.js';

export async function withdraw(ctx: ActionContext, hosts: readonly HostStep[], charts: Charts, timeoutMs: number): Promise<ReconcileResult> {
  const left: HostEntry[] = [];
  for (const step of hosts) {
    // A package being deleted targets no host, so every step is Remove, Forget or Drop.
    if (step.decision === 'Drop') continue;
    if (step.decision === 'Forget') {
      await forget(ctx, step.name);
    } else if (!(await removeFrom(ctx, step, charts, timeoutMs)) && step.previous) {
      left.push(deletingEntry(step.previous, ctx.draft.now));
    }
  }
  ctx.draft.value.hosts = left;
  if (left.length === 0) {
    await ctx.commit();
    return requeueAfter(0);
  }
  const message = `Could not remove the package from ${left.map((e) => e.name).join(', ')} yet; retrying.`;
  ctx.draft.markReconciling('RemovalPending', message);
  await ctx.commit();
  throw new AppPackageError('RemovalPending', message);
}
