/**
 * CMS (PKCS #7) signature verification with the openssl CLI. Node's crypto has no CMS; the
 * openssl binary is the reference implementation, Debian ships it, and verification runs once
 * per package, so a process per check costs nothing that matters. See docs/csar.md.
 *
 * Trust comes from the given CA bundle only: openssl is told not to load its default directory
 * or store (`-no-CApath -no-CAstore`; with `-CAfile` given it never loads the default file), so
 * a certificate that the system trusts (any public TLS certificate) does not pass. openssl
 * checks the chain with `-purpose any` (its S/MIME purpose would refuse code-signing
 * certificates); whether the signer's certificate is meant for signing is checked here instead
 * (signer-usage.ts).
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signingUnfitness } from './signer-usage.js';

/** What a CMS check found. */
export type CmsResult =
  | { ok: true; signer?: string }
  | { ok: false; reason: 'SignatureInvalid' | 'SignerNotForSigning' | 'SignatureVerifierUnavailable' | 'TrustedCaInvalid'; detail: string };

/** Input of verifyCmsSignature. */
export interface CmsCheck {
  /** The `-----BEGIN CMS-----` PEM block (a detached signature). */
  signaturePem: string;
  /** The signed text. */
  content: string;
  /** PEM CA certificates the signer must chain to; without them only the signature's integrity is checked. */
  trustedCaPem?: string;
  /** Directory for the short-lived files openssl reads (default: the OS temp dir). */
  tempParent?: string;
  /** openssl binary (default `openssl` on PATH). */
  openssl?: string;
  /** Environment of the openssl process (default: the operator's). Tests use it to plant a system trust store. */
  env?: NodeJS.ProcessEnv;
}

/** Where openssl may look for trust anchors: the given CA file and nothing else. */
const ONLY_GIVEN_CA = ['-no-CApath', '-no-CAstore'];

const TIMEOUT_MS = 30_000;

/**
 * Verifies a detached CMS signature over `content`. Tries the text as given, then with its
 * trailing whitespace normalised, each in binary and in S/MIME text mode (openssl signs CRLF-
 * canonical text unless told -binary), so the usual ways of signing a manifest all verify;
 * every variant is the same text to a reader, so this accepts nothing a reader would not.
 * With `trustedCaPem`, the signer must chain to it alone and its certificate must allow
 * signing (SignerNotForSigning otherwise); without it only the signature's integrity is checked.
 */
export async function verifyCmsSignature(check: CmsCheck): Promise<CmsResult> {
  if (check.trustedCaPem !== undefined) {
    const invalid = checkCaBundle(check.trustedCaPem);
    if (invalid !== undefined) return { ok: false, reason: 'TrustedCaInvalid', detail: invalid };
  }
  const dir = await mkdtemp(join(check.tempParent ?? tmpdir(), 'cms-'));
  try {
    const signature = join(dir, 'signature.pem');
    const ca = join(dir, 'ca.pem');
    const signer = join(dir, 'signer.pem');
    await writeFile(signature, check.signaturePem, { mode: 0o600 });
    if (check.trustedCaPem !== undefined) await writeFile(ca, check.trustedCaPem, { mode: 0o600 });
    const trimmed = check.content.replace(/\s+$/, '');
    const variants = [...new Set([check.content, `${trimmed}\n`, trimmed])];
    let firstFailure: string | undefined;
    for (const [index, variant] of variants.entries()) {
      const content = join(dir, `content-${index}`);
      await writeFile(content, variant, { mode: 0o600 });
      for (const binary of [true, false]) {
        const args = ['cms', '-verify', '-inform', 'PEM', '-in', signature, '-content', content, '-out', join(dir, 'out'), '-signer', signer, '-purpose', 'any'];
        if (binary) args.push('-binary');
        args.push(...(check.trustedCaPem !== undefined ? ['-CAfile', ca, ...ONLY_GIVEN_CA] : ['-noverify']));
        const run = await openssl(check.openssl ?? 'openssl', args, check.env);
        if (run.unavailable) return { ok: false, reason: 'SignatureVerifierUnavailable', detail: run.detail };
        if (run.ok) return judgeSigner(await readSigners(signer), check.trustedCaPem !== undefined);
        firstFailure ??= run.detail;
      }
    }
    return { ok: false, reason: 'SignatureInvalid', detail: firstFailure ?? 'openssl refused the signature' };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Why a CA bundle is unusable, or undefined when every certificate in it parses. */
function checkCaBundle(pem: string): string | undefined {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) return 'the trusted CA holds no PEM certificate (-----BEGIN CERTIFICATE-----)';
  for (const [index, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch (err) {
      return `certificate ${index + 1} of the trusted CA does not parse: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
  return undefined;
}

/** The certificates openssl wrote for the signers (one per SignerInfo); empty when it wrote none. */
async function readSigners(file: string): Promise<X509Certificate[]> {
  try {
    const pem = await readFile(file, 'utf8');
    return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((block) => new X509Certificate(block));
  } catch {
    return [];
  }
}

/** The verdict on a signature openssl accepted: with a trusted CA, every signer must be fit to sign. */
function judgeSigner(signers: X509Certificate[], trusted: boolean): CmsResult {
  const subject = (cert: X509Certificate) => cert.subject.split('\n').join(', ');
  if (trusted) {
    if (signers.length === 0) return { ok: false, reason: 'SignatureInvalid', detail: 'openssl named no signer certificate' };
    for (const cert of signers) {
      const unfit = signingUnfitness(cert);
      if (unfit !== undefined) return { ok: false, reason: 'SignerNotForSigning', detail: `the signer ${subject(cert)} ${unfit}` };
    }
  }
  return signers[0] === undefined ? { ok: true } : { ok: true, signer: subject(signers[0]) };
}

function openssl(binary: string, args: string[], env: NodeJS.ProcessEnv | undefined): Promise<{ ok: boolean; unavailable: boolean; detail: string }> {
  return new Promise((resolve) => {
    execFile(binary, args, { timeout: TIMEOUT_MS, maxBuffer: 1024 * 1024, encoding: 'utf8', ...(env !== undefined ? { env } : {}) }, (err, _stdout, stderr) => {
      if (err === null) return resolve({ ok: true, unavailable: false, detail: '' });
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EACCES') {
        return resolve({ ok: false, unavailable: true, detail: `cannot run ${binary} (${code}); install openssl in the operator's image` });
      }
      // openssl before 3.0 has no -no-CAstore: it cannot be told to ignore the system store, so refuse rather than trust it.
      if (/unknown option|unrecognized flag/i.test(stderr) && ONLY_GIVEN_CA.some((flag) => stderr.includes(flag.slice(1)))) {
        return resolve({ ok: false, unavailable: true, detail: `${binary} does not know ${ONLY_GIVEN_CA.join(' ')}; the operator needs openssl 3.0 or later` });
      }
      resolve({ ok: false, unavailable: false, detail: summarise(stderr) });
    });
  });
}

/**
 * What openssl's first error line says, e.g. "certificate verify error: Verify error: unable
 * to get local issuer certificate". Lines read `<id>:error:<code>:<library>:<function>:<reason>:<file>:<line>:<data>`.
 */
function summarise(stderr: string): string {
  const lines = stderr.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  const error = lines.find((line) => /^[0-9A-F]+:error:/.test(line));
  if (error === undefined) return (lines.join(' ') || 'openssl refused the signature').slice(0, 300);
  const fields = error.split(':');
  const reason = fields[5] ?? '';
  const data = fields.slice(8).join(':').trim();
  return (data === '' ? reason : `${reason}: ${data}`).slice(0, 300);
}
