/**
 * EdgeGallery user JWTs (the appstore forwards its user's token in `access_token`), verified
 * with jose against the configured public key (PEM) or JWKS — signature, expiry and, when set,
 * issuer and audience — then mapped to a Kubernetes-style user and groups for the
 * SubjectAccessReview: user `<prefix><userId>`, and one group per `authorities` entry the
 * configuration maps (unmapped authorities give no group).
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, decodeJwt, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';

export interface AppstoreJwtOptions {
  /** PEM public key (SPKI or certificate) the tokens are signed with. */
  readonly publicKeyPem?: string;
  /** JWKS URL, instead of a key. */
  readonly jwksUrl?: string;
  readonly issuer?: string;
  readonly audience?: string;
  /** Prefix of the Kubernetes user name: `appstore:` makes user `appstore:<userId>`. */
  readonly userPrefix: string;
  /** `authorities` entry → Kubernetes group. */
  readonly roleGroups: Readonly<Record<string, string>>;
}

/** An appstore user, as the SubjectAccessReview will know them. */
export interface AppstoreUser {
  readonly userId: string;
  readonly username: string;
  readonly groups: readonly string[];
}

export type JwtVerdict =
  /** `expiresAtMs`: the token's exp, past which it is refused (a caller may remember the verdict until then). */
  | { readonly ok: true; readonly user: AppstoreUser; readonly expiresAtMs: number }
  | { readonly ok: false; readonly message: string };

const algorithms = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/** Whether `token` claims to be an appstore user's JWT (it carries userId); decides which check applies. */
export function looksLikeAppstoreJwt(token: string): boolean {
  try {
    return typeof decodeJwt(token).userId === 'string';
  } catch {
    return false;
  }
}

export class AppstoreJwtVerifier {
  private readonly key: { readonly kind: 'Key'; readonly key: KeyObject } | { readonly kind: 'Jwks'; readonly keys: JWTVerifyGetKey };

  constructor(private readonly options: AppstoreJwtOptions) {
    if (options.publicKeyPem) this.key = { kind: 'Key', key: createPublicKey(options.publicKeyPem) };
    else if (options.jwksUrl) this.key = { kind: 'Jwks', keys: createRemoteJWKSet(new URL(options.jwksUrl), { timeoutDuration: 5000 }) };
    else throw new Error('an appstore JWT verifier needs a public key or a JWKS URL');
  }

  async verify(token: string): Promise<JwtVerdict> {
    let payload: JWTPayload;
    try {
      const verified = this.key.kind === 'Key'
        ? await jwtVerify(token, this.key.key, this.verifyOptions())
        : await jwtVerify(token, this.key.keys, this.verifyOptions());
      payload = verified.payload;
    } catch (error) {
      return { ok: false, message: refusal(error) };
    }
    const userId = payload.userId;
    if (typeof userId !== 'string' || !/^[A-Za-z0-9._@-]{1,128}$/.test(userId)) return { ok: false, message: 'the token\'s userId claim is missing or malformed' };
    const authorities = Array.isArray(payload.authorities) ? payload.authorities.filter((a): a is string => typeof a === 'string') : [];
    const groups = [...new Set(authorities.map((a) => this.options.roleGroups[a]).filter((g): g is string => g !== undefined))];
    return { ok: true, user: { userId, username: `${this.options.userPrefix}${userId}`, groups }, expiresAtMs: (payload.exp ?? 0) * 1000 };
  }

  private verifyOptions() {
    return {
      algorithms, requiredClaims: ['exp'],
      ...(this.options.issuer ? { issuer: this.options.issuer } : {}),
      ...(this.options.audience ? { audience: this.options.audience } : {}),
    };
  }
}

/** Why jose refused a token, in words that name no key material. */
function refusal(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the token\'s signature does not verify';
  if (error instanceof errors.JWTClaimValidationFailed) return `the token's ${error.claim} claim is not accepted`;
  if (error instanceof errors.JOSEAlgNotAllowed) return 'the token\'s signing algorithm is not accepted';
  if (error instanceof errors.JWKSNoMatchingKey) return 'no key of the JWKS matches the token';
  return 'the token is not a valid JWT';
}
