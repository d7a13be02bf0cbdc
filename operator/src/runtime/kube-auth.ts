/**
 * Asking the hub who a bearer token belongs to (TokenReview) and what a user may do
 * (SubjectAccessReview), as controller-runtime's authentication filter does; and a small cache
 * of answers by key, so repeated requests cost no API calls. Shared by /metrics and North.
 */
import { createHash } from 'node:crypto';
import type { KubeClient } from './kube/client.js';

/** A user the hub authenticated. */
export interface KubeUser {
  readonly username: string;
  readonly uid?: string;
  readonly groups: readonly string[];
  readonly extra?: Readonly<Record<string, readonly string[]>>;
}

/** What a SubjectAccessReview asks about: a resource request, or a non-resource URL. */
export type AccessAttributes =
  | { readonly kind: 'Resource'; readonly verb: string; readonly group: string; readonly resource: string; readonly namespace?: string; readonly name?: string }
  | { readonly kind: 'NonResource'; readonly verb: string; readonly path: string };

interface TokenReview {
  status?: { authenticated?: boolean; user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> } };
}

/** The user the hub says `token` belongs to, or undefined when it does not authenticate it. Throws when the hub cannot be asked. */
export async function reviewToken(hub: KubeClient, token: string): Promise<KubeUser | undefined> {
  const review = await hub.request<TokenReview>({
    method: 'POST', path: '/apis/authentication.k8s.io/v1/tokenreviews', timeoutMs: 10_000,
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } },
  });
  const user = review.status?.user;
  if (!review.status?.authenticated || !user?.username) return undefined;
  return { username: user.username, uid: user.uid, groups: user.groups ?? [], extra: user.extra };
}

/** Whether the hub allows `user` what `attributes` describe. Throws when the hub cannot be asked. */
export async function reviewAccess(hub: KubeClient, user: KubeUser, attributes: AccessAttributes): Promise<boolean> {
  const { kind, ...rest } = attributes;
  const review = await hub.request<{ status?: { allowed?: boolean } }>({
    method: 'POST', path: '/apis/authorization.k8s.io/v1/subjectaccessreviews', timeoutMs: 10_000,
    body: {
      apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview',
      spec: {
        user: user.username, uid: user.uid, groups: user.groups, extra: user.extra,
        ...(kind === 'Resource' ? { resourceAttributes: rest } : { nonResourceAttributes: rest }),
      },
    },
  });
  return review.status?.allowed === true;
}

/** A key for secret material (a token): its SHA-256, so the token itself is never kept. */
export function digestKey(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Answers remembered for `ttlMs`, at most `maxEntries` (then forgotten all at once). */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();

  constructor(private readonly ttlMs: number, private readonly maxEntries = 1000) {}

  get(key: string, now = Date.now()): V | undefined {
    const entry = this.entries.get(key);
    return entry && entry.until > now ? entry.value : undefined;
  }

  set(key: string, value: V, now = Date.now()): void {
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, { value, until: now + this.ttlMs });
  }
}
