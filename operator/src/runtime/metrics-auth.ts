/**
 * Who may read /metrics: the bearer token's owner, if the hub authenticates the token
 * (TokenReview) and allows them `get` on the non-resource URL /metrics (SubjectAccessReview) —
 * what a ServiceMonitor's token and `nonResourceURLs: ["/metrics"]` RBAC grant. Verdicts are
 * cached briefly per token digest, so a scrape every few seconds costs no API calls.
 */
import { createHash } from 'node:crypto';
import type { KubeClient } from './kube/client.js';

export type MetricsVerdict = 'Allowed' | 'Unauthenticated' | 'Forbidden' | 'Unavailable';

export interface MetricsAuth {
  check(authorization: string | undefined): Promise<MetricsVerdict>;
}

interface TokenReview {
  status?: { authenticated?: boolean; user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> } };
}

interface SubjectAccessReview {
  status?: { allowed?: boolean };
}

export class KubeMetricsAuth implements MetricsAuth {
  private readonly verdicts = new Map<string, { verdict: MetricsVerdict; until: number }>();

  constructor(private readonly hub: KubeClient, private readonly options: { readonly ttlMs?: number; readonly maxEntries?: number } = {}) {}

  async check(authorization: string | undefined): Promise<MetricsVerdict> {
    const token = /^Bearer ([!-~]{1,8192})$/.exec(authorization ?? '')?.[1];
    if (!token) return 'Unauthenticated';
    const key = createHash('sha256').update(token).digest('hex');
    const now = Date.now();
    const cached = this.verdicts.get(key);
    if (cached && cached.until > now) return cached.verdict;
    const verdict = await this.review(token);
    // An API outage is not remembered: the next scrape asks again.
    if (verdict !== 'Unavailable') {
      if (this.verdicts.size >= (this.options.maxEntries ?? 1000)) this.verdicts.clear();
      this.verdicts.set(key, { verdict, until: now + (this.options.ttlMs ?? 60_000) });
    }
    return verdict;
  }

  private async review(token: string): Promise<MetricsVerdict> {
    try {
      const review = await this.hub.request<TokenReview>({
        method: 'POST', path: '/apis/authentication.k8s.io/v1/tokenreviews', timeoutMs: 10_000,
        body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } },
      });
      const user = review.status?.user;
      if (!review.status?.authenticated || !user?.username) return 'Unauthenticated';
      const access = await this.hub.request<SubjectAccessReview>({
        method: 'POST', path: '/apis/authorization.k8s.io/v1/subjectaccessreviews', timeoutMs: 10_000,
        body: {
          apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview',
          spec: { user: user.username, uid: user.uid, groups: user.groups, extra: user.extra, nonResourceAttributes: { path: '/metrics', verb: 'get' } },
        },
      });
      return access.status?.allowed ? 'Allowed' : 'Forbidden';
    } catch {
      return 'Unavailable';
    }
  }
}
