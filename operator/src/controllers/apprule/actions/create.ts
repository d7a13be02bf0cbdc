/** Create: POST the configuration the MEP does not hold; a warning first when it held it before. */
import type { MepClient } from '../../../mep/client.js';
import type { MepAppConfig } from '../../../mep/types.js';
import type { ReconcileResult } from '../../../runtime/reconcile.js';
import { recordDrift } from '../drift-metric.js';
import type { ActionContext } from './context.js';
import { sent } from './sent.js';

export async function create(ctx: ActionContext, client: MepClient, config: MepAppConfig, rulesLost: boolean): Promise<ReconcileResult> {
  if (rulesLost) {
    recordDrift('Lost');
    await ctx.event('Warning', 'RulesLost', 'The MEP no longer holds the rules; creating them again.');
  }
  return sent(ctx, 'Create', await client.create(ctx.rule.spec.appInstanceId, config));
}
