/**
 * Who may read /metrics: the bearer token's owner, if the hub authenticates the token
 * (TokenReview) and allows them `get` on the non-resource URL /metrics (SubjectAccessReview) —
 * what a ServiceMonitor's token and `nonResourceURLs: ["/metrics"]` RBAC grant. Verdicts are
 * cached briefly per token digest, so a scrape every few seconds costs no API calls.
 */
import type { KubeClient } from './kube/client.js';
import { digestKey, reviewAccess, reviewToken, TtlCache } from './kube-auth.js';

export type MetricsVerdict = 'Allowed' | 'Unauthenticated' | 'Forbidden' | 'Unavailable';

export interface MetricsAuth {
  check(authorization: string | undefined): Promise<MetricsVerdict>;
}

export class KubeMetricsAuth implements MetricsAuth {
  private readonly verdicts: TtlCache<MetricsVerdict>;

  constructor(private readonly hub: KubeClient, options: { readonly ttlMs?: number; readonly maxEntries?: number } = {}) {
    this.verdicts = new TtlCache(options.ttlMs ?? 60_000, options.maxEntries ?? 1000);
  }

  async check(authorization: string | undefined): Promise<MetricsVerdict> {
    const token = /^Bearer ([!-~]{1,8192})$/.exec(authorization ?? '')?.[1];
    if (!token) return 'Unauthenticated';
    const key = digestKey(token);
    const cached = this.verdicts.get(key);
    if (cached) return cached;
    const verdict = await this.review(token);
    // An API outage is not remembered: the next scrape asks again.
    if (verdict !== 'Unavailable') this.verdicts.set(key, verdict);
    return verdict;
  }

  private async review(token: string): Promise<MetricsVerdict> {
    try {
      const user = await reviewToken(this.hub, token);
      if (!user) return 'Unauthenticated';
      return await reviewAccess(this.hub, user, { kind: 'NonResource', path: '/metrics', verb: 'get' }) ? 'Allowed' : 'Forbidden';
    } catch {
      return 'Unavailable';
    }
  }
}
