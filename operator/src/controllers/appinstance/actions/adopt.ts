/**
 * Adopt: a release made before owners were recorded, which this instance's status records, is
 * labelled with the instance's UID (every revision), so that from now on it is known as ours and
 * no other instance can take it.
 */
import type { ReconcileResult } from '../../../runtime/reconcile.js';
import type { AppInstanceAction } from '../decide.js';
import { workLeft, type ActionContext } from './context.js';

export async function runAdopt(action: Extract<AppInstanceAction, { kind: 'Adopt' }>, ctx: ActionContext): Promise<ReconcileResult> {
  const { plugin, target } = action.access;
  await plugin.adopt(target);
  await ctx.event('Normal', 'ReleaseAdopted',
    `Release ${target.namespace}/${target.releaseName} was made before owners were recorded; it now carries this instance's UID.`);
  return workLeft;
}
