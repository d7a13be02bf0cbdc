/**
 * Every read a subscription's reconcile makes, and nothing that writes: the subjects of its
 * namespace (from the caches to decide, from the API server before sending), the callback's
 * address (DNS, judged by the allowlist) and the signing key (its Secret).
 *
 * Why the API server before sending: after a leader change the new leader's cache may lag the
 * old leader's by a moment; a list is read at the API server's latest revision, so no state it
 * yields can be older than one the previous leader already delivered.
 */
import { isIP } from 'node:net';
import type { AppInstance } from '../../api/appinstance.js';
import type { AppPackage } from '../../api/apppackage.js';
import type { EdgeHost } from '../../api/edgehost.js';
import type { NotificationSubscription } from '../../api/notificationsubscription.js';
import type { SubscriptionStallReason } from '../../api/notificationsubscription-conditions.js';
import { readSecretKey, type SecretObject } from '../../controllers/secrets.js';
import type { Informer } from '../../runtime/informer.js';
import type { ResourceClient } from '../../runtime/kube/resource-client.js';
import { errorMessage } from '../../runtime/logger.js';
import { checkCallbackUrl, chooseAddress, type CallbackPolicy } from './allowlist.js';
import { resolveHost, type PostTarget } from './callback.js';
import { parseSigningSecret } from './signing.js';
import { subjectsOf, type Subject } from './subjects.js';

export interface SubscriptionSources {
  readonly subscriptions: Informer<NotificationSubscription>;
  readonly packages: Informer<AppPackage>;
  readonly instances: Informer<AppInstance>;
  readonly hosts: Informer<EdgeHost>;
}

export interface SubscriptionClients {
  readonly packages: ResourceClient<AppPackage>;
  readonly instances: ResourceClient<AppInstance>;
  readonly secrets: ResourceClient<SecretObject>;
}

/** The namespace's subjects as the caches have them. */
export function cachedSubjects(sources: SubscriptionSources, namespace: string): Subject[] {
  return subjectsOf(sources.packages.inNamespace(namespace), sources.instances.inNamespace(namespace));
}

/** The namespace's subjects as the API server has them now. */
export async function freshSubjects(clients: SubscriptionClients, namespace: string): Promise<Subject[]> {
  const [packages, instances] = await Promise.all([clients.packages.list({ namespace }), clients.instances.list({ namespace })]);
  return subjectsOf(packages.items, instances.items);
}

/** The EdgeHost's appstore address, for the notification's mecHost. */
export function mecHostOf(sources: SubscriptionSources, hostName: string): string | undefined {
  return sources.hosts.get(hostName)?.spec.address;
}

export type Refusal = { readonly ok: false; readonly reason: SubscriptionStallReason; readonly message: string };

/**
 * What can be said of the callback without DNS — its URL, and a literal address against the
 * allowlist — so a subscription with nothing to send yet still shows a refused callback.
 */
export function staticCallbackRefusal(uri: string, policy: CallbackPolicy): Refusal | undefined {
  const url = checkCallbackUrl(uri, policy);
  if (!url.ok) return { ok: false, reason: 'CallbackNotAllowed', message: url.message };
  const family = isIP(url.hostname);
  if (family !== 4 && family !== 6) return undefined;
  const chosen = chooseAddress(url.hostname, [{ address: url.hostname, family }], policy);
  return chosen.ok ? undefined : { ok: false, reason: 'CallbackNotAllowed', message: chosen.message };
}

/** The address to POST to, or why the callback may not be called. */
export async function resolveCallback(uri: string, policy: CallbackPolicy, timeoutMs: number): Promise<{ readonly ok: true; readonly target: PostTarget } | Refusal> {
  const url = checkCallbackUrl(uri, policy);
  if (!url.ok) return { ok: false, reason: 'CallbackNotAllowed', message: url.message };
  let resolved;
  try {
    resolved = await resolveHost(url.hostname, timeoutMs);
  } catch (error) {
    return { ok: false, reason: 'CallbackNotAllowed', message: `callback host ${url.hostname} does not resolve: ${errorMessage(error).slice(0, 256)}` };
  }
  const chosen = chooseAddress(url.hostname, resolved, policy);
  if (!chosen.ok) return { ok: false, reason: 'CallbackNotAllowed', message: chosen.message };
  return { ok: true, target: { url: url.url, hostname: url.hostname, address: chosen.address } };
}

/** The HMAC key (undefined: the subscription asks for none), or why it cannot be had. */
export async function readSigningKey(secrets: ResourceClient<SecretObject>, subscription: NotificationSubscription): Promise<{ readonly ok: true; readonly key?: Buffer } | Refusal> {
  const ref = subscription.spec.secretRef;
  if (!ref) return { ok: true };
  const read = await readSecretKey(secrets, { name: ref.name, namespace: subscription.metadata.namespace ?? '', key: ref.key }, 'secret');
  if (!read.ok) return { ok: false, reason: read.problem === 'KeyMissing' ? 'SecretKeyMissing' : 'SecretNotFound', message: read.message };
  const parsed = parseSigningSecret(read.value);
  if (!parsed.ok) return { ok: false, reason: 'SecretInvalid', message: `Secret ${subscription.metadata.namespace}/${ref.name}: ${parsed.message}` };
  return { ok: true, key: parsed.key };
}
