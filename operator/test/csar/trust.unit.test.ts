/**
 * What a signature is worth: only the configured CA's signers pass (never the system trust
 * store), only with a certificate meant for signing, and under Strict + Required the signed
 * manifest must cover every file of the package.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { openCsar, verifyPackage, type VerificationPolicy, type VerifyOptions, type VerifyResult } from '../../src/csar/index.js';
import { keyUsageBits } from '../../src/csar/signer-usage.js';
import { chartTgz, manifestText, sandbox, validFiles, zipOf, type Files } from './support/packages.js';
import { makeCa, makeSigner, makeTrustStore, signDetached, type KeyPair } from './support/pki.js';

const run = promisify(execFile);
const STRICT: VerificationPolicy = { manifestHashes: 'Strict', signature: 'Required' };

describe('csar: signature trust', function () {
  let box: Awaited<ReturnType<typeof sandbox>>;
  let files: Files;
  let configured: KeyPair;
  let system: KeyPair;
  let signer: KeyPair;
  let systemSigner: KeyPair;
  /** The environment of an operator whose host trusts `system` (both ways openssl finds a system store). */
  let systemEnv: NodeJS.ProcessEnv;

  before(async function () {
    box = await sandbox();
    files = validFiles(await chartTgz());
    configured = await makeCa(box.root, 'Configured CA');
    system = await makeCa(box.root, 'Publicly Trusted CA');
    signer = await makeSigner(box.root, configured, 'Package Signer');
    systemSigner = await makeSigner(box.root, system, 'Some Web Server', 'keyUsage=critical,digitalSignature');
    const store = await makeTrustStore(join(box.root, 'system-store'), [system]);
    systemEnv = { ...process.env, SSL_CERT_DIR: store, SSL_CERT_FILE: system.cert };
  });
  after(async () => box.remove());

  /** `all` with a manifest over `sources` (default: every file), signed by `by`. */
  async function signedPackage(all: Files, by: KeyPair, sources: string[] = Object.keys(all), name = 'demo.mf'): Promise<Files> {
    const manifest = manifestText(all, sources);
    return { ...all, [name]: `${manifest}\n${await signDetached(box.root, by, manifest)}` };
  }
  async function verdict(all: Files, policy: VerificationPolicy, options: VerifyOptions = {}): Promise<VerifyResult> {
    const pkg = await openCsar(await box.input(`p${Math.random().toString(36).slice(2)}.csar`, zipOf(all)), box.scratch);
    return verifyPackage(pkg, policy, options);
  }
  function assertRefused(result: VerifyResult, reason: string, ...mentions: RegExp[]): void {
    assert.ok(!result.verified && result.fatal, result.message);
    assert.equal(result.reason, reason, result.message);
    for (const mention of mentions) assert.match(result.message, mention);
  }

  describe('only the configured CA', function () {
    it('the simulated system store is real: openssl with -CAfile alone (the old call) accepts the system-trusted signer', async function () {
      const content = join(box.root, 'content.txt');
      await writeFile(content, 'hello\n');
      const signature = join(box.root, 'system-signature.pem');
      await writeFile(signature, await signDetached(box.root, systemSigner, 'hello\n'));
      const args = ['cms', '-verify', '-binary', '-inform', 'PEM', '-in', signature, '-content', content, '-out', join(box.root, 'out'), '-purpose', 'any', '-CAfile', configured.cert];
      await run('openssl', args, { env: systemEnv });
      await assert.rejects(run('openssl', args, { env: { ...process.env, SSL_CERT_DIR: join(box.root, 'nothing'), SSL_CERT_FILE: join(box.root, 'nothing') } }));
    });

    for (const signature of ['Required', 'IfPresent'] as const) {
      it(`a signer the system trusts but the configured CA did not issue is SignatureInvalid (${signature})`, async function () {
        const all = await signedPackage(files, systemSigner);
        const result = await verdict(all, { manifestHashes: 'Strict', signature, trustedCaPem: configured.pem }, { opensslEnv: systemEnv });
        assertRefused(result, 'SignatureInvalid', /not trusted by the given CA/);
      });
    }

    it('the configured CA\'s signer still verifies on that host', async function () {
      const result = await verdict(await signedPackage(files, signer), { ...STRICT, trustedCaPem: configured.pem }, { opensslEnv: systemEnv });
      assert.deepEqual([result.verified, result.reason], [true, 'Verified'], result.message);
      assert.match(result.message, /every file of the package/);
    });

    it('a bundle of CAs trusts each of them, and only them', async function () {
      const other = await makeCa(box.root, 'Other CA');
      const bundle = `${other.pem}${configured.pem}`;
      const ok = await verdict(await signedPackage(files, signer), { ...STRICT, trustedCaPem: bundle }, { opensslEnv: systemEnv });
      assert.equal(ok.reason, 'Verified', ok.message);
      const refused = await verdict(await signedPackage(files, systemSigner), { ...STRICT, trustedCaPem: bundle }, { opensslEnv: systemEnv });
      assertRefused(refused, 'SignatureInvalid');
    });
  });

  describe('a certificate meant for signing', function () {
    const fit: Array<[string, string]> = [
      ['key usage digitalSignature, no extended key usage', 'keyUsage=critical,digitalSignature'],
      ['key usage nonRepudiation only', 'keyUsage=nonRepudiation'],
      ['no key usage at all', ''],
      ['extended key usage codeSigning', 'keyUsage=digitalSignature\nextendedKeyUsage=codeSigning'],
      ['extended key usage emailProtection', 'keyUsage=digitalSignature\nextendedKeyUsage=emailProtection'],
      ['extended key usage anyExtendedKeyUsage', 'extendedKeyUsage=anyExtendedKeyUsage'],
      ['extended key usage serverAuth and codeSigning', 'extendedKeyUsage=serverAuth,codeSigning'],
    ];
    const unfit: Array<[string, string, RegExp]> = [
      ['a TLS server certificate (serverAuth)', 'keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth', /serverAuth only/],
      ['a TLS client and server certificate', 'extendedKeyUsage=serverAuth,clientAuth', /serverAuth, clientAuth only/],
      ['a time-stamping certificate', 'extendedKeyUsage=critical,timeStamping', /timeStamping only/],
      ['key usage keyEncipherment only', 'keyUsage=keyEncipherment', /without digitalSignature or nonRepudiation/],
    ];
    /** Signed packages by name of the case, made up front (openssl runs in parallel). */
    const packages = new Map<string, Files>();
    before(async function () {
      await Promise.all([...fit, ...unfit].map(async ([name, extensions]) => {
        const by = await makeSigner(box.root, configured, name.replace(/[^a-z]/gi, ''), extensions);
        packages.set(name, await signedPackage(files, by));
      }));
    });

    for (const [name] of fit) {
      it(`verifies: ${name}`, async function () {
        const result = await verdict(packages.get(name)!, { ...STRICT, trustedCaPem: configured.pem });
        assert.equal(result.reason, 'Verified', result.message);
      });
    }
    for (const [name, , why] of unfit) {
      it(`SignerNotForSigning: ${name}`, async function () {
        const result = await verdict(packages.get(name)!, { ...STRICT, trustedCaPem: configured.pem });
        assertRefused(result, 'SignerNotForSigning', why, /issue a signing certificate/);
      });
    }

    it('reads no key usage from bytes that are not a certificate, without throwing', function () {
      for (const bytes of [Buffer.alloc(0), Buffer.from([0x30]), Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), Buffer.from('not DER at all')]) {
        assert.equal(keyUsageBits(bytes), 'unreadable');
      }
    });
  });

  describe('Strict + Required: the manifest covers every file', function () {
    const extra: Files = { 'Artifacts/Docs/guide.md': '# Guide\n', 'Artifacts/ChangeLog.txt': '' };

    for (const left of ['TOSCA-Metadata/TOSCA.meta', 'Image/SwImageDesc.json', 'Artifacts/Docs/guide.md', 'Artifacts/ChangeLog.txt',
      'APPD/Definition/MainServiceTemplate.yaml', 'Artifacts/Deployment/Charts/demo.tgz']) {
      it(`a file the manifest does not list is ManifestIncomplete naming it: ${left}`, async function () {
        const all = { ...files, ...extra };
        const result = await verdict(await signedPackage(all, signer, Object.keys(all).filter((path) => path !== left)), { ...STRICT, trustedCaPem: configured.pem });
        assertRefused(result, 'ManifestIncomplete', new RegExp(JSON.stringify(left).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')));
        assert.match(result.message, /every file but the manifest and its signature/);
      });
    }

    it('the manifest\'s certificate file and a detached signature need no record; other .cert files do', async function () {
      const all = { ...files, 'demo.cert': signer.pem, 'demo.cms': 'detached' };
      const listed = Object.keys(files);
      const ok = await verdict(await signedPackage(all, signer, listed), { ...STRICT, trustedCaPem: configured.pem });
      assert.equal(ok.reason, 'Verified', ok.message);
      const named = { ...files, 'TOSCA-Metadata/TOSCA.meta': `${files['TOSCA-Metadata/TOSCA.meta']}ETSI-Entry-Certificate: Certificates/signer.pem\n`, 'Certificates/signer.pem': signer.pem };
      const viaMeta = await verdict(await signedPackage(named, signer, Object.keys(files)), { ...STRICT, trustedCaPem: configured.pem });
      assert.equal(viaMeta.reason, 'Verified', viaMeta.message);
      const stray = { ...files, 'other.cert': signer.pem };
      assertRefused(await verdict(await signedPackage(stray, signer, Object.keys(files)), { ...STRICT, trustedCaPem: configured.pem }), 'ManifestIncomplete', /"other\.cert"/);
    });

    it('a signature problem is named before the hash problems', async function () {
      const all = await signedPackage(files, systemSigner, ['APPD/Definition/MainServiceTemplate.yaml']);
      assertRefused(await verdict(all, { ...STRICT, trustedCaPem: configured.pem }), 'SignatureInvalid', /does not list/);
    });

    it('IfPresent keeps the narrower rule: the APPD and charts must be listed', async function () {
      const all = await signedPackage(files, signer, ['APPD/Definition/MainServiceTemplate.yaml', 'Artifacts/Deployment/Charts/demo.tgz']);
      const result = await verdict(all, { manifestHashes: 'Strict', signature: 'IfPresent', trustedCaPem: configured.pem });
      assert.equal(result.reason, 'Verified', result.message);
      assert.match(result.message, /cover the APPD and charts/);
    });

    it('a package zipped as one folder is covered by root-relative records', async function () {
      const signed = await signedPackage(files, signer);
      const wrapped = Object.fromEntries(Object.entries(signed).map(([path, data]) => [`demo-1.0/${path}`, data]));
      const result = await verdict(wrapped, { ...STRICT, trustedCaPem: configured.pem });
      assert.equal(result.reason, 'Verified', result.message);
    });
  });
});
