/**
 * What North remembers about callers: a verified appstore JWT is not verified again for the
 * next requests (an RSA verification costs more than a cached host list), a JWT that failed is
 * checked again every time, and a token is kept by its digest only.
 */
import assert from 'node:assert/strict';
import { KubeConfig } from '@kubernetes/client-node';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { TokenAuthenticator } from '../../src/north/auth/authenticate.js';
import { AppstoreJwtVerifier, type JwtVerdict } from '../../src/north/auth/jwt.js';
import { NorthError } from '../../src/north/errors.js';
import { KubeClient } from '../../src/runtime/kube/client.js';

/** A verifier that counts its verifications. */
class CountingVerifier extends AppstoreJwtVerifier {
  verified = 0;
  override verify(token: string): Promise<JwtVerdict> {
    this.verified++;
    return super.verify(token);
  }
}

describe('North authentication cache', () => {
  let hub: KubeClient;
  let verifier: CountingVerifier;
  let sign: (claims: Record<string, unknown>, expiresIn: string) => Promise<string>;

  before(async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    verifier = new CountingVerifier({ publicKeyPem: await exportSPKI(publicKey), userPrefix: 'appstore:', roleGroups: {} });
    sign = (claims, expiresIn) => new SignJWT(claims).setProtectedHeader({ alg: 'RS256' }).setExpirationTime(expiresIn).sign(privateKey);
    // JWTs never reach the hub: a client of an address nothing listens on.
    const config = new KubeConfig();
    config.loadFromOptions({
      clusters: [{ name: 'none', server: 'https://127.0.0.1:1' }], users: [{ name: 'u' }],
      contexts: [{ name: 'c', cluster: 'none', user: 'u' }], currentContext: 'c',
    });
    hub = await KubeClient.create(config, { name: 'none' });
  });
  after(() => hub.close());

  it('verifies a JWT once for repeated requests, and the caller stays the same', async () => {
    const auth = new TokenAuthenticator(hub, verifier);
    const token = await sign({ userId: 'u1' }, '1h');
    const before = verifier.verified;
    const callers = [];
    for (let i = 0; i < 3; i++) callers.push(await auth.identify({ access_token: token }));
    assert.equal(verifier.verified - before, 1);
    assert.deepEqual(callers.map((c) => c.user.username), ['appstore:u1', 'appstore:u1', 'appstore:u1']);
  });

  it('checks a JWT that failed every time', async () => {
    const auth = new TokenAuthenticator(hub, verifier);
    const expired = await sign({ userId: 'u2' }, '-1m');
    const before = verifier.verified;
    for (let i = 0; i < 2; i++) {
      await assert.rejects(auth.identify({ access_token: expired }), (e: unknown) => e instanceof NorthError && e.status === 401 && /expired/.test(e.message));
    }
    assert.equal(verifier.verified - before, 2);
  });
});
