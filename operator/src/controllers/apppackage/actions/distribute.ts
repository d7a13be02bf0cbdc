/**
 * Distribute: brings every host to what decideHost chose for it, then writes status.hosts,
 * status.distributed and Distributed from the entries.
 *
 *   Push ──► charts pushed, images mirrored ─► Distributed      (up to 8 hosts at once)
 *        └─► failed: transient ─► Distributing   terminal ─► Error
 *   Keep ─► entry as it is        Wait ─► Distributing (paused)    Missing ─► Error
 *   NotPermitted ─► Error "Not permitted: <the missing grant>" (nothing sent to the host)
 *   Remove ─► charts taken out ─► entry dropped, or Deleting       Forget, Drop ─► entry dropped
 *
 * Then: a host still pending → Reconciling, retried with backoff; a target the Tenant does not
 * grant → Stalled NotPermitted (the grant or the targets must change); a host in Error →
 * retried after retryErroredHostsMs; otherwise settled.
 */
import { errorMessage } from '../../../runtime/logger.js';
import { dispositionOf, done, requeueAfter, type ReconcileResult } from '../../../runtime/reconcile.js';
import { forEachLimited } from '../../../util/concurrency.js';
import type { HostStep } from '../decide.js';
import { pushToHost, type PackageContent } from '../edge-repository.js';
import { AppPackageError } from '../errors.js';
import { deletingEntry, hostEntry, refusedEntry, summarizeHosts, type HostEntry, type Refusal } from '../hosts.js';
import type { ActionContext } from './context.js';
import { forget, removeFrom } from './remove.js';

export interface DistributeInput {
  readonly digest: string;
  readonly targets: readonly string[];
  readonly hosts: readonly HostStep[];
  readonly content: PackageContent;
}

export interface DistributeSettings {
  readonly timeoutMs: number;
  readonly retryErroredHostsMs: number;
}

export async function distribute(ctx: ActionContext, input: DistributeInput, settings: DistributeSettings): Promise<ReconcileResult> {
  const now = ctx.draft.now;
  const entries: HostEntry[] = [];
  const refused: Refusal[] = [];
  const pushes = input.hosts.filter((step) => step.decision === 'Push');
  await forEachLimited(pushes, 8, async (step) => { entries.push(await push(ctx, step, input, settings.timeoutMs)); });
  for (const step of input.hosts) {
    const { name, previous } = step;
    switch (step.decision) {
      case 'Push':
        break; // done above, side by side
      case 'Keep':
        if (previous) entries.push(previous);
        break;
      case 'Wait':
        entries.push(hostEntry(previous, name, 'Distributing', `EdgeHost ${name} is paused; distribution waits.`, now, input.digest));
        break;
      case 'Missing':
        entries.push(hostEntry(previous, name, 'Error', `EdgeHost ${name} does not exist.`, now, input.digest));
        break;
      case 'NotPermitted': {
        const refusal = { name, message: step.refusal ?? 'not granted' };
        refused.push(refusal);
        entries.push(refusedEntry(previous, refusal, now, input.digest));
        break;
      }
      case 'Remove':
        if (!(await removeFrom(ctx, step, input.content.charts, settings.timeoutMs)) && previous) entries.push(deletingEntry(previous, now));
        break;
      case 'Forget':
        await forget(ctx, name);
        break;
      case 'Drop':
        break;
    }
  }

  entries.sort((a, b) => a.name.localeCompare(b.name));
  const summary = summarizeHosts(input.targets, entries, refused);
  ctx.draft.value.hosts = entries;
  ctx.draft.value.distributed = summary.distributed;
  ctx.draft.set('Distributed', summary.condition.status, summary.condition.reason, summary.condition.message);
  ctx.draft.markObserved();
  if (summary.pending) ctx.draft.markReconciling('Progressing', 'Distribution is still in progress.');
  else if (summary.refused) ctx.draft.markStalled('NotPermitted', `Distribution ${summary.refused}`);
  else ctx.draft.markSettled();
  if (await ctx.commit()) {
    ctx.log.info('Updated AppPackage status', { distributed: summary.distributed });
    if (summary.refused && !summary.pending) await ctx.event('Warning', 'NotPermitted', `Distribution ${summary.refused}`);
  }
  if (summary.pending) throw new AppPackageError('DistributionInProgress', 'Some hosts are still being distributed to.');
  return summary.errors ? requeueAfter(settings.retryErroredHostsMs) : done;
}

async function push(ctx: ActionContext, step: HostStep, input: DistributeInput, timeoutMs: number): Promise<HostEntry> {
  const { name, previous } = step;
  const entry = (state: HostEntry['state'], message: string) => hostEntry(previous, name, state, message, ctx.draft.now, input.digest);
  try {
    // A Secret that cannot be read may be created any moment: retried like a host that does not
    // answer. One in a namespace the operator may not read from is an Error until the host changes.
    if (!step.access?.ok) {
      const reason = step.access?.reason;
      throw new AppPackageError(reason ?? 'CredentialsSecretInvalid', step.access?.message ?? `The repository of EdgeHost ${name} was not read.`, { transient: reason === undefined });
    }
    const { location, credentials } = step.access.value;
    const pushed = await pushToHost(location, credentials, input.content, timeoutMs);
    const note = pushed.imageProblems.length ? ` ${pushed.imageProblems.length} image(s) not mirrored: ${pushed.imageProblems.join('; ')}` : '';
    await ctx.event('Normal', 'Distributed', `Pushed to ${name}: ${pushed.chartReference}`);
    return { ...entry('Distributed', `Charts pushed, ${pushed.imagesMirrored} image(s) mirrored.${note}`), chartReference: pushed.chartReference, imagesMirrored: pushed.imagesMirrored };
  } catch (error) {
    ctx.log.warn('Distribution failed', { host: name, error: errorMessage(error) });
    await ctx.event('Warning', 'DistributionFailed', `${name}: ${errorMessage(error)}`);
    return entry(dispositionOf(error).kind === 'Terminal' ? 'Error' : 'Distributing', errorMessage(error));
  }
}
