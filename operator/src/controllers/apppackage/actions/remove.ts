/**
 * Taking the package out of one host's repository, as Distribute does for hosts that left the
 * targets and Withdraw for every host on deletion. Only the charts go: images may serve other
 * packages.
 */
import { errorMessage } from '../../../runtime/logger.js';
import type { Charts, HostStep } from '../decide.js';
import { removeFromHost } from '../edge-repository.js';
import type { ActionContext } from './context.js';

/** True when the charts are out (or were never there); a failure is logged and the caller keeps the host as Deleting. */
export async function removeFrom(ctx: ActionContext, step: HostStep, charts: Charts, timeoutMs: number): Promise<boolean> {
  const { pkg } = ctx;
  try {
    if (!step.access?.ok) throw new Error(step.access?.message ?? `The repository of EdgeHost ${step.name} was not read.`);
    const { location, credentials } = step.access.value;
    await removeFromHost(location, credentials, { namespace: pkg.metadata.namespace ?? '', name: pkg.metadata.name ?? '', charts }, timeoutMs);
  } catch (error) {
    ctx.log.warn('Removal failed', { host: step.name, error: errorMessage(error) });
    return false;
  }
  await ctx.event('Normal', 'Removed', `Removed from ${step.name}.`);
  return true;
}

/** The EdgeHost is gone, and with it the way to its repository: say so and let it go. */
export function forget(ctx: ActionContext, name: string): Promise<void> {
  return ctx.event('Warning', 'HostGone', `EdgeHost ${name} no longer exists; the package may remain in its repository.`);
}
