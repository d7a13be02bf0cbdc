/**
 * Turns a request's token into a Caller, or a 401. The appstore sends its token in the
 * `access_token` header; Kubernetes clients send `Authorization: Bearer`. A token carrying a
 * `userId` claim is an EdgeGallery JWT and must verify against the configured key (no fallback
 * to the hub: a forged appstore token is refused, not reviewed); any other token is asked
 * about with a TokenReview. Either answer is remembered briefly by the token's digest.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { KubeClient } from '../../runtime/kube/client.js';
import { digestKey, reviewToken, TtlCache, type KubeUser } from '../../runtime/kube-auth.js';
import { unauthorized, unavailable } from '../errors.js';
import type { Caller } from './caller.js';
import { looksLikeAppstoreJwt, type AppstoreJwtVerifier } from './jwt.js';

export interface Authenticator {
  /** The caller, or throws NorthError 401 (no or bad token) / 503 (the hub cannot be asked). */
  identify(headers: IncomingHttpHeaders): Promise<Caller>;
}

/** The token of a request: the appstore's `access_token` header, else a Bearer token. */
export function tokenOf(headers: IncomingHttpHeaders): string | undefined {
  const raw = headers.access_token;
  const accessToken = Array.isArray(raw) ? undefined : raw?.trim();
  if (accessToken) return /^[!-~]{1,16384}$/.test(accessToken) ? accessToken : undefined;
  return /^Bearer ([!-~]{1,16384})$/.exec(headers.authorization ?? '')?.[1];
}

/** How long an answer about a token is remembered: a TokenReview's, or a verified JWT's (never past its exp). */
const rememberMs = 30_000;

export class TokenAuthenticator implements Authenticator {
  /**
   * Answers by the token's digest (the token itself is never kept), as the API server's token
   * cache does: a JWT verified (an RSA/EC verification per request costs more than the rest of
   * a cached host list), or what the hub's TokenReview said. A JWT that failed is not remembered.
   */
  private readonly known = new TtlCache<{ readonly caller: Caller | 'Unauthenticated'; readonly untilMs: number }>(rememberMs, 5_000);

  constructor(private readonly hub: KubeClient, private readonly jwt: AppstoreJwtVerifier | undefined) {}

  async identify(headers: IncomingHttpHeaders): Promise<Caller> {
    const token = tokenOf(headers);
    if (!token) throw unauthorized('no token: send the appstore user\'s JWT in the access_token header, or a Kubernetes token as Authorization: Bearer');
    const key = digestKey(token);
    const now = Date.now();
    let known = this.known.get(key, now);
    if (!known || known.untilMs <= now) {
      known = looksLikeAppstoreJwt(token) ? await this.verifyJwt(token, now) : await this.review(token, now);
      this.known.set(key, known, now);
    }
    if (known.caller === 'Unauthenticated') throw unauthorized('Authorization failed: the hub does not authenticate this token');
    return known.caller;
  }

  private async verifyJwt(token: string, now: number): Promise<{ caller: Caller; untilMs: number }> {
    if (!this.jwt) throw unauthorized('appstore JWTs are not accepted here: the operator has no --north-jwt-public-key or --north-jwt-jwks-url');
    const verdict = await this.jwt.verify(token);
    if (!verdict.ok) throw unauthorized(`Authorization failed: ${verdict.message}`);
    const { userId, username, groups } = verdict.user;
    return { caller: { kind: 'Appstore', userId, user: { username, groups } }, untilMs: Math.min(now + rememberMs, verdict.expiresAtMs) };
  }

  private async review(token: string, now: number): Promise<{ caller: Caller | 'Unauthenticated'; untilMs: number }> {
    let user: KubeUser | undefined;
    try {
      user = await reviewToken(this.hub, token);
    } catch {
      throw unavailable('the hub could not be asked about the token (TokenReview); try again');
    }
    return { caller: user ? { kind: 'Kubernetes', user } : 'Unauthenticated', untilMs: now + rememberMs };
  }
}
