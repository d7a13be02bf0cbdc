/**
 * ApplyRules: the AppRule the instance owns, written by server-side apply with the digest of
 * the spec we applied (the API server adds defaults, so the spec itself reads back different).
 * The AppRule controller takes it to the MEP; WaitForRules waits for it.
 */
import type { ReconcileResult } from '../../../runtime/reconcile.js';
import type { AppInstanceAction } from '../decide.js';
import { ownedBy } from '../names.js';
import { ruleSpecDigest, specDigestAnnotation } from '../rules.js';
import { progressing, wait, type HubActionContext } from './context.js';

export async function runApplyRules(action: Extract<AppInstanceAction, { kind: 'ApplyRules' }>, ctx: HubActionContext): Promise<ReconcileResult> {
  const { instance, draft } = ctx;
  await ctx.clients.rules.patch(instance.metadata.name ?? '', instance.metadata.namespace, 'apply', {
    metadata: {
      name: instance.metadata.name, namespace: instance.metadata.namespace, ownerReferences: [ownedBy(instance)],
      annotations: { [specDigestAnnotation]: ruleSpecDigest(action.spec) },
    },
    spec: action.spec,
  });
  draft.set('RulesConfigured', false, 'RulesApplying', 'The AppRule was written; waiting for the MEP to hold it.');
  progressing(draft, 'ConfiguringRules', 'RulesApplying', 'Waiting for the MEP to hold the rules.');
  return wait(ctx);
}
