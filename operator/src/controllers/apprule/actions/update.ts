/**
 * Update: PUT the spec's rules (counted as drift when the MEP had confirmed them already). The
 * MEP compares only the rules; when it finds no rule to change (NoChange) while our comparison
 * differs, delete instead, and the next reconcile creates.
 */
import type { MepClient } from '../../../mep/client.js';
import { configDigest } from '../../../mep/digest.js';
import { MepError } from '../../../mep/errors.js';
import type { MepAppConfig, MepTask } from '../../../mep/types.js';
import type { ReconcileResult } from '../../../runtime/reconcile.js';
import { recordDrift } from '../drift-metric.js';
import type { ActionContext } from './context.js';
import { sent } from './sent.js';

export async function update(ctx: ActionContext, client: MepClient, config: MepAppConfig): Promise<ReconcileResult> {
  const id = ctx.rule.spec.appInstanceId;
  // The MEP confirmed exactly this configuration before and now holds another: drift, not a spec change.
  if (ctx.rule.status?.appliedDigest === configDigest(config)) recordDrift('Changed');
  let task: MepTask;
  try {
    task = await client.update(id, config);
  } catch (error) {
    if (!(error instanceof MepError && error.detailReason === 'NoChange')) throw error;
    task = await client.delete(id);
  }
  return sent(ctx, 'Update', task);
}
