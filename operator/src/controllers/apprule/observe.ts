/**
 * Every read of one AppRule reconcile, in order, stopping at the first thing missing:
 *
 *   whether the namespace's Tenant grants the host and the rules (permission.ts); a refused
 *     rule reads nothing more, unless it is being deleted after speaking to the MEP
 *   ─► who holds the appInstanceId on the host among the permitted claimants (claims.ts)
 *     ─► EdgeHost (informer) ─► spec.mep ─► token / CA Secrets ─► MEP client (cached per host)
 *     ─► our running task, polled (memory, else status.taskId while PROCESSING)
 *     ─► what the MEP holds for the app instance (only once no task of ours runs)
 *
 * Nothing here writes or sends a change. A MEP that refuses or does not answer is an
 * observation (MEPFailed), not an exception; Kubernetes errors are thrown.
 */
import type { AppInstance } from '../../api/appinstance.js';
import type { AppRule } from '../../api/apprule.js';
import type { EdgeHost } from '../../api/edgehost.js';
import type { MepClient } from '../../mep/client.js';
import { MepError } from '../../mep/errors.js';
import type { MepAppConfig, MepTask } from '../../mep/types.js';
import { objectKey } from '../../runtime/kube/resource.js';
import { isDeleting } from '../../runtime/objects.js';
import type { Governance } from '../../tenancy/governance.js';
import type { EdgeHostSecretReference, SecretRead } from '../secrets.js';
import { holderOf } from './claims.js';
import type { MepClients } from './mep-clients.js';
import { rulePermission, spokeToMep } from './permission.js';
import type { RunningTasks } from './running-tasks.js';

/** What became of the task we last sent, once it no longer runs. */
export type PreviousTask =
  | { readonly kind: 'None' }
  | { readonly kind: 'Succeeded'; readonly task: MepTask }
  /** The MEP does not know it (it may have restarted and lost its state). */
  | { readonly kind: 'Lost'; readonly taskId: string };

export type AppRuleObservation =
  /**
   * The namespace's Tenant does not grant the host or the rules: nothing else was read. Not
   * while an AppRule that spoke to the MEP is deleted: it takes out what it put there.
   */
  | { readonly kind: 'NotPermitted'; readonly message: string }
  /** Another AppRule (`holder`, namespace/name) holds the appInstanceId on this host: nothing else was read. */
  | { readonly kind: 'AppInstanceIdInUse'; readonly hostName: string; readonly holder: string }
  | { readonly kind: 'HostNotFound'; readonly hostName: string }
  | { readonly kind: 'MEPNotConfigured'; readonly hostName: string }
  | { readonly kind: 'SecretInvalid'; readonly message: string }
  /** The host names a token or CA Secret outside the operator's namespace: not read. */
  | { readonly kind: 'SecretNamespaceNotAllowed'; readonly message: string }
  | { readonly kind: 'MEPFailed'; readonly error: MepError }
  /** Our task is still PROCESSING (since: when we started waiting, ms); the MEP's configuration was not read. */
  | { readonly kind: 'TaskRunning'; readonly task: MepTask; readonly since: number }
  | { readonly kind: 'TaskFailed'; readonly task: MepTask }
  /** No task of ours runs; `current` is what the MEP holds (undefined: nothing). */
  | { readonly kind: 'Idle'; readonly client: MepClient; readonly previous: PreviousTask; readonly current: MepAppConfig | undefined };

export interface ObserveDeps {
  /** The AppRules that name this appInstanceId on this host (the informer's claim index). */
  readonly claimants: (hostName: string, appInstanceId: string) => readonly AppRule[];
  /** An AppInstance from its informer, by namespace/name. */
  readonly instance: (key: string) => AppInstance | undefined;
  readonly host: (name: string) => EdgeHost | undefined;
  /** The Tenant governing a hub namespace (Tenancy.governance). */
  readonly governance: (namespace: string) => Governance;
  /** An EdgeHost Secret's key (SecretValues: refused outside the operator's namespace, read again only when it changed). */
  readonly readSecret: (ref: EdgeHostSecretReference, defaultKey: string) => Promise<SecretRead>;
  readonly clients: MepClients;
  readonly tasks: RunningTasks;
}

export async function observeRule(rule: AppRule, deps: ObserveDeps, now: number): Promise<AppRuleObservation> {
  const hostName = rule.spec.hostRef.name;
  const host = deps.host(hostName);
  const permitted = (r: AppRule) => rulePermission(deps.governance(r.metadata.namespace ?? ''), r, host);
  const permission = permitted(rule);
  if (!permission.ok && !(isDeleting(rule) && spokeToMep(rule))) return { kind: 'NotPermitted', message: permission.message };
  // A claimant the grant refuses sends nothing, so it holds no id against one that may.
  const claimants = deps.claimants(hostName, rule.spec.appInstanceId).filter((c) => c.metadata.uid === rule.metadata.uid || permitted(c).ok);
  const holder = holderOf(claimants, deps.instance);
  if (holder && holder.metadata.uid !== rule.metadata.uid) return { kind: 'AppInstanceIdInUse', hostName, holder: objectKey(holder) };
  if (!host) return { kind: 'HostNotFound', hostName };
  const mep = host.spec.mep;
  if (!mep) return { kind: 'MEPNotConfigured', hostName };

  const [token, ca] = await Promise.all([readOptional(deps, mep.tokenSecretRef, 'token'), readOptional(deps, mep.caSecretRef, 'ca.crt')]);
  if (!token.ok) return unusableSecret(hostName, token);
  if (!ca.ok) return unusableSecret(hostName, ca);
  const client = deps.clients.client(hostName, { url: mep.url, token: token.value?.trim(), caPem: ca.value });

  try {
    return await observeMep(rule, client, deps.tasks, now);
  } catch (error) {
    if (error instanceof MepError) return { kind: 'MEPFailed', error };
    throw error;
  }
}

async function observeMep(rule: AppRule, client: MepClient, tasks: RunningTasks, now: number): Promise<AppRuleObservation> {
  const remembered = tasks.get(objectKey(rule));
  const taskId = remembered?.taskId ?? (rule.status?.configResult === 'PROCESSING' ? rule.status.taskId : undefined);
  let previous: PreviousTask = { kind: 'None' };
  if (taskId) {
    const task = await pollTask(client, taskId);
    if (!task) previous = { kind: 'Lost', taskId };
    else if (task.configResult === 'PROCESSING') return { kind: 'TaskRunning', task, since: remembered?.since ?? now };
    else if (task.configResult === 'FAILURE') return { kind: 'TaskFailed', task };
    else previous = { kind: 'Succeeded', task };
  }
  return { kind: 'Idle', client, previous, current: await client.get(rule.spec.appInstanceId) };
}

/** The task as the MEP reports it; undefined when it does not know it. */
async function pollTask(client: MepClient, taskId: string): Promise<MepTask | undefined> {
  try {
    return await client.task(taskId);
  } catch (error) {
    if (error instanceof MepError && error.kind === 'NotFound') return undefined;
    throw error;
  }
}

type FailedRead = Extract<SecretRead, { ok: false }>;
type OptionalRead = { readonly ok: true; readonly value: string | undefined } | FailedRead;

function unusableSecret(hostName: string, read: FailedRead): AppRuleObservation {
  return { kind: read.problem === 'NamespaceNotAllowed' ? 'SecretNamespaceNotAllowed' : 'SecretInvalid', message: `EdgeHost ${hostName}'s MEP: ${read.message}` };
}

async function readOptional(deps: ObserveDeps, ref: EdgeHostSecretReference | undefined, key: string): Promise<OptionalRead> {
  if (!ref) return { ok: true, value: undefined };
  return deps.readSecret(ref, key);
}
