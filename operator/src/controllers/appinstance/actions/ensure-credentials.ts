/**
 * EnsureCredentials: the app's AK/SK pair (EdgeGallery's `appconfig.aksk` values), generated
 * once and kept in a hub Secret owned by the instance, so it goes with it.
 */
import { randomBytes } from 'node:crypto';
import { managedBy } from '../../../lcm/plugin.js';
import { isAlreadyExists } from '../../../runtime/kube/errors.js';
import type { ReconcileResult } from '../../../runtime/reconcile.js';
import { credentialsSecretName, ownedBy } from '../names.js';
import { workLeft, type HubActionContext } from './context.js';

export async function runEnsureCredentials(ctx: HubActionContext): Promise<ReconcileResult> {
  const { instance } = ctx;
  try {
    await ctx.clients.secrets.create({
      metadata: {
        name: credentialsSecretName(instance), namespace: instance.metadata.namespace,
        ownerReferences: [ownedBy(instance)], labels: { [managedBy.label]: managedBy.value },
      },
      type: 'Opaque', stringData: { accesskey: randomBytes(10).toString('hex').toUpperCase(), secretkey: randomBytes(30).toString('base64url') },
    });
  } catch (error) {
    // Made by an earlier attempt that died before it saw the answer: the pair stands.
    if (!isAlreadyExists(error)) throw error;
  }
  return workLeft;
}
