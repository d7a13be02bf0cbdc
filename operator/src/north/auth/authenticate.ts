/**
 * Turns a request's token into a Caller, or a 401. The appstore sends its token in the
 * `access_token` header; Kubernetes clients send `Authorization: Bearer`. A token carrying a
 * `userId` claim is an EdgeGallery JWT and must verify against the configured key (no fallback
 * to the hub: a forged appstore token is refused, not reviewed); any other token is asked
 * about with a TokenReview, whose answer is remembered briefly by the token's digest.
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

export class TokenAuthenticator implements Authenticator {
  private readonly reviews = new TtlCache<KubeUser | 'Unauthenticated'>(30_000);

  constructor(private readonly hub: KubeClient, private readonly jwt: AppstoreJwtVerifier | undefined) {}

  async identify(headers: IncomingHttpHeaders): Promise<Caller> {
    const token = tokenOf(headers);
    if (!token) throw unauthorized('no token: send the appstore user\'s JWT in the access_token header, or a Kubernetes token as Authorization: Bearer');
    if (looksLikeAppstoreJwt(token)) {
      if (!this.jwt) throw unauthorized('appstore JWTs are not accepted here: the operator has no --north-jwt-public-key or --north-jwt-jwks-url');
      const verdict = await this.jwt.verify(token);
      if (!verdict.ok) throw unauthorized(`Authorization failed: ${verdict.message}`);
      const { userId, username, groups } = verdict.user;
      return { kind: 'Appstore', userId, user: { username, groups } };
    }
    const key = digestKey(token);
    let user = this.reviews.get(key);
    if (!user) {
      try {
        user = await reviewToken(this.hub, token) ?? 'Unauthenticated';
      } catch {
        throw unavailable('the hub could not be asked about the token (TokenReview); try again');
      }
      this.reviews.set(key, user);
    }
    if (user === 'Unauthenticated') throw unauthorized('Authorization failed: the hub does not authenticate this token');
    return { kind: 'Kubernetes', user };
  }
}
