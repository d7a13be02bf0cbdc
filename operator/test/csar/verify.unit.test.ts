/** Verification policy: manifest hashes (Strict/Warn/Skip) and CMS signatures (Required/IfPresent/Skip) with a PKI made here. */
import assert from 'node:assert/strict';
import { openCsar, verifyPackage, type CsarPackage, type VerificationPolicy } from '../../src/csar/index.js';
import { chartTgz, manifestText, sandbox, validFiles, withManifest, zipOf, type Files } from './support/packages.js';
import { makeCa, makeSigner, signDetached, type KeyPair } from './support/pki.js';

const CHART = 'Artifacts/Deployment/Charts/demo.tgz';
const MAIN = 'APPD/Definition/MainServiceTemplate.yaml';

describe('csar: verifyPackage', function () {
  let box: Awaited<ReturnType<typeof sandbox>>;
  let files: Files;
  let caA: KeyPair;
  let caB: KeyPair;
  let signer: KeyPair;

  before(async function () {
    box = await sandbox();
    files = validFiles(await chartTgz());
    caA = await makeCa(box.root, 'Test CA A');
    caB = await makeCa(box.root, 'Test CA B');
    signer = await makeSigner(box.root, caA, 'Package Signer');
  });
  after(async () => box.remove());

  async function open(all: Files): Promise<CsarPackage> {
    return openCsar(await box.input(`p${Math.random().toString(36).slice(2)}.csar`, zipOf(all)), box.scratch);
  }
  async function verdict(all: Files, policy: VerificationPolicy) {
    return verifyPackage(await open(all), policy);
  }
  /** The package with its manifest, listing every file, signed by `by` (binary mode unless told). */
  async function signed(by: KeyPair = signer, binary = true, tamper?: (manifest: string) => string): Promise<Files> {
    const manifest = manifestText(files, Object.keys(files));
    const signature = await signDetached(box.root, by, manifest, binary);
    const text = `${tamper ? tamper(manifest) : manifest}\n${signature}`;
    return { ...files, 'demo.mf': text };
  }

  describe('manifest hashes', function () {
    it('a package with correct SHA-256 hashes verifies under Strict', async function () {
      const result = await verdict(withManifest(files), { manifestHashes: 'Strict', signature: 'IfPresent' });
      assert.deepEqual([result.verified, result.reason], [true, 'Verified'], result.message);
      assert.match(result.message, /2 hash\(es\) match/);
    });

    it('SHA-512 records verify too', async function () {
      const { createHash } = await import('node:crypto');
      const mf = `metadata:\napp_product_name: demo\napp_provider_id: T\napp_package_version: 1\napp_class: container\n\n${[MAIN, CHART]
        .map((source) => `Source: ${source}\nAlgorithm: SHA-512\nHash: ${createHash('sha512').update(files[source]!).digest('hex')}\n`).join('\n')}`;
      const result = await verdict({ ...files, 'demo.mf': mf }, { manifestHashes: 'Strict', signature: 'Skip' });
      assert.equal(result.reason, 'Verified', result.message);
    });

    it('a changed chart is ManifestHashMismatch naming the chart, fatal under Strict', async function () {
      const all = withManifest(files);
      all[CHART] = await chartTgz('demo', '6.6.6');
      const result = await verdict(all, { manifestHashes: 'Strict', signature: 'IfPresent' });
      assert.ok(!result.verified && result.fatal);
      assert.equal(result.reason, 'ManifestHashMismatch');
      assert.match(result.message, /Artifacts\/Deployment\/Charts\/demo\.tgz/);
      assert.doesNotMatch(result.message, /MainServiceTemplate/);
    });

    it('the same under Warn is reported but not fatal', async function () {
      const all = withManifest(files);
      all[CHART] = await chartTgz('demo', '6.6.6');
      const result = await verdict(all, { manifestHashes: 'Warn', signature: 'IfPresent' });
      assert.deepEqual([result.verified, !result.verified && result.fatal, result.reason], [false, false, 'ManifestHashMismatch']);
    });

    it('a chart the manifest does not list is ManifestIncomplete', async function () {
      const result = await verdict(withManifest(files, [MAIN]), { manifestHashes: 'Strict', signature: 'Skip' });
      assert.equal(result.reason, 'ManifestIncomplete');
      assert.match(result.message, /demo\.tgz/);
    });

    it('a listed file that is not in the package is ManifestFileMissing', async function () {
      const result = await verdict(withManifest(files, [MAIN, CHART, 'Artifacts/gone.txt']), { manifestHashes: 'Strict', signature: 'Skip' });
      assert.equal(result.reason, 'ManifestFileMissing');
      assert.match(result.message, /gone\.txt/);
    });

    it('an unknown algorithm is ManifestAlgorithmUnsupported', async function () {
      const all = withManifest(files);
      all['demo.mf'] = String(all['demo.mf']).replace('Algorithm: SHA-256', 'Algorithm: MD5');
      const pkg = await open(all);
      assert.deepEqual(pkg.hashes.map((check) => check.status), ['unsupportedAlgorithm', 'ok']);
      const result = await verifyPackage(pkg, { manifestHashes: 'Strict', signature: 'Skip' });
      assert.equal(result.reason, 'ManifestAlgorithmUnsupported');
    });
  });

  describe('CMS signature', function () {
    it('a signature by a signer of the trusted CA verifies under Required', async function () {
      const result = await verdict(await signed(), { manifestHashes: 'Strict', signature: 'Required', trustedCaPem: caA.pem });
      assert.deepEqual([result.verified, result.reason], [true, 'Verified'], result.message);
      assert.match(result.message, /CN=Package Signer/);
      assert.match(result.message, /verifies against the trusted CA/);
    });

    it('the signed manifest still parses: signature and signed content are split off', async function () {
      const pkg = await open(await signed());
      assert.match(pkg.manifest.signature ?? '', /^-----BEGIN CMS-----\n[\s\S]+-----END CMS-----\n$/);
      assert.equal(pkg.manifest.files.length, Object.keys(files).length);
      assert.ok(pkg.manifest.signedContent?.startsWith('metadata:\n'));
    });

    it('a signature made in S/MIME text mode verifies too', async function () {
      const result = await verdict(await signed(signer, false), { manifestHashes: 'Skip', signature: 'Required', trustedCaPem: caA.pem });
      assert.equal(result.reason, 'Verified', result.message);
    });

    it('against another CA it is SignatureInvalid', async function () {
      const result = await verdict(await signed(), { manifestHashes: 'Strict', signature: 'Required', trustedCaPem: caB.pem });
      assert.ok(!result.verified && result.fatal);
      assert.equal(result.reason, 'SignatureInvalid');
      assert.match(result.message, /certificate|verif/i);
    });

    it('a manifest changed after signing is SignatureInvalid even with the right CA', async function () {
      const all = await signed(signer, true, (manifest) => manifest.replace('app_package_version: 2.0', 'app_package_version: 2.1'));
      const result = await verdict(all, { manifestHashes: 'Skip', signature: 'IfPresent', trustedCaPem: caA.pem });
      assert.ok(!result.verified && result.fatal);
      assert.equal(result.reason, 'SignatureInvalid');
    });

    it('Required without a signature is SignatureMissing', async function () {
      const result = await verdict(withManifest(files), { manifestHashes: 'Strict', signature: 'Required', trustedCaPem: caA.pem });
      assert.ok(!result.verified && result.fatal);
      assert.equal(result.reason, 'SignatureMissing');
    });

    it('IfPresent without a signature is fine', async function () {
      const result = await verdict(withManifest(files), { manifestHashes: 'Strict', signature: 'IfPresent', trustedCaPem: caA.pem });
      assert.equal(result.reason, 'Verified');
    });

    it('IfPresent without a CA checks integrity only, and says so', async function () {
      const result = await verdict(await signed(signer), { manifestHashes: 'Skip', signature: 'IfPresent' });
      assert.equal(result.reason, 'Verified', result.message);
      assert.match(result.message, /signer was not checked/);
    });

    it('Required without a CA is TrustedCaMissing', async function () {
      const result = await verdict(await signed(), { manifestHashes: 'Skip', signature: 'Required' });
      assert.equal(result.reason, 'TrustedCaMissing');
    });

    it('a CA that is not PEM is TrustedCaInvalid', async function () {
      const result = await verdict(await signed(), { manifestHashes: 'Skip', signature: 'Required', trustedCaPem: 'not a certificate' });
      assert.equal(result.reason, 'TrustedCaInvalid');
    });

    it('a missing openssl is SignatureVerifierUnavailable, fatal', async function () {
      const result = await verifyPackage(await open(await signed()), { manifestHashes: 'Skip', signature: 'Required', trustedCaPem: caA.pem },
        { openssl: '/nonexistent/openssl' });
      assert.ok(!result.verified && result.fatal);
      assert.equal(result.reason, 'SignatureVerifierUnavailable');
    });

    it('Skip ignores even a bad signature; Warn hashes with a good signature report the hashes only', async function () {
      const skipped = await verdict(await signed(signer, true, (m) => `${m}tampered: yes\n`), { manifestHashes: 'Skip', signature: 'Skip' });
      assert.equal(skipped.reason, 'VerificationSkipped');
      const all = await signed();
      all[CHART] = await chartTgz('demo', '9.9.9');
      const warned = await verdict(all, { manifestHashes: 'Warn', signature: 'Required', trustedCaPem: caA.pem });
      assert.deepEqual([warned.verified, !warned.verified && warned.fatal, warned.reason], [false, false, 'ManifestHashMismatch']);
    });
  });
});
