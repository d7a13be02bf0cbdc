/**
 * verifyPackage: decides whether an opened package is trusted under a verification policy.
 *
 *   manifestHashes  Strict     every manifest record must match its file, and the APPD and
 *                              every chart must be listed; otherwise refuse (fatal)
 *                   Warn       same checks, but a failure is reported, not fatal
 *                   Skip       hashes are not looked at
 *   signature       Required   the manifest must carry a CMS signature that chains to
 *                              trustedCaPem (which must be given); otherwise refuse
 *                   IfPresent  a signature that is there must verify (against trustedCaPem
 *                              when given, else for integrity only); none is fine
 *                   Skip       the signature is not looked at
 *
 * A signature failure is always fatal: a signature that is there and wrong means tampering.
 */
import { verifyCmsSignature } from './cms.js';
import { checkEntryPath } from './entry-name.js';
import type { CsarPackage } from './types.js';

/** How much trust a package must earn. */
export interface VerificationPolicy {
  manifestHashes: 'Strict' | 'Warn' | 'Skip';
  signature: 'Required' | 'IfPresent' | 'Skip';
  /** PEM CA certificate(s) the signer must chain to. */
  trustedCaPem?: string;
}

/** Why a package is not verified. */
export type VerifyFailureReason =
  | 'ManifestHashMismatch'
  | 'ManifestFileMissing'
  | 'ManifestAlgorithmUnsupported'
  | 'ManifestIncomplete'
  | 'SignatureMissing'
  | 'SignatureInvalid'
  | 'TrustedCaMissing'
  | 'TrustedCaInvalid'
  | 'SignatureVerifierUnavailable';

/**
 * The verdict. `fatal: false` means the policy accepts the package anyway (Warn): the
 * controller shows Verified=False with the reason and goes on.
 */
export type VerifyResult =
  | { verified: true; reason: 'Verified' | 'VerificationSkipped'; message: string }
  | { verified: false; fatal: boolean; reason: VerifyFailureReason; message: string };

/** Options for tests and unusual hosts. */
export interface VerifyOptions {
  /** openssl binary (default `openssl` on PATH). */
  openssl?: string;
}

interface Finding {
  reason: VerifyFailureReason;
  message: string;
  fatal: boolean;
}

/**
 * Judges `pkg` (from openCsar) under `policy`. Runs openssl only when a signature is to be
 * checked, writing its short-lived files under `pkg.workDir`. Never throws for package content.
 */
export async function verifyPackage(pkg: CsarPackage, policy: VerificationPolicy, options: VerifyOptions = {}): Promise<VerifyResult> {
  const findings: Finding[] = [];
  const passed: string[] = [];

  if (policy.manifestHashes !== 'Skip') {
    const problem = judgeHashes(pkg);
    if (problem === undefined) passed.push(`the manifest's ${pkg.hashes.length} hash(es) match and cover the APPD and charts`);
    else findings.push({ ...problem, fatal: policy.manifestHashes === 'Strict' });
  }

  if (policy.signature !== 'Skip') {
    const { signature, signedContent } = pkg.manifest;
    if (signature === undefined || signedContent === undefined) {
      if (policy.signature === 'Required') {
        findings.push({ reason: 'SignatureMissing', fatal: true,
          message: `${pkg.manifest.path} carries no CMS signature (-----BEGIN CMS-----) and the policy requires one; sign the manifest or set signature: IfPresent` });
      }
    } else if (policy.signature === 'Required' && policy.trustedCaPem === undefined) {
      findings.push({ reason: 'TrustedCaMissing', fatal: true,
        message: 'the policy requires a signature but names no trusted CA to check it against; give the CA certificate (trustedCASecretRef)' });
    } else {
      const result = await verifyCmsSignature({
        signaturePem: signature, content: signedContent, tempParent: pkg.workDir,
        ...(policy.trustedCaPem !== undefined ? { trustedCaPem: policy.trustedCaPem } : {}),
        ...(options.openssl !== undefined ? { openssl: options.openssl } : {}),
      });
      if (result.ok) {
        const by = result.signer !== undefined ? ` by ${result.signer}` : '';
        passed.push(policy.trustedCaPem !== undefined
          ? `the manifest's CMS signature${by} verifies against the trusted CA`
          : `the manifest's CMS signature${by} is intact (no trusted CA given, so the signer was not checked)`);
      } else {
        findings.push({ reason: result.reason, fatal: true, message: signatureMessage(result.reason, pkg.manifest.path, result.detail) });
      }
    }
  }

  const first = findings.find((finding) => finding.fatal) ?? findings[0];
  if (first !== undefined) {
    const others = findings.filter((finding) => finding !== first).map((finding) => finding.message);
    const accepted = first.fatal ? '' : ' The package is accepted anyway because manifestHashes is Warn.';
    return { verified: false, fatal: first.fatal, reason: first.reason, message: `${capitalise([first.message, ...others].join('; also '))}.${accepted}` };
  }
  if (passed.length === 0) {
    return { verified: true, reason: 'VerificationSkipped', message: 'Nothing was verified: the policy skips manifest hashes and the signature is skipped or absent.' };
  }
  return { verified: true, reason: 'Verified', message: `${capitalise(passed.join('; '))}.` };
}

/** The hash problem to report, most serious first, naming every file involved; undefined when all is well. */
export function judgeHashes(pkg: Pick<CsarPackage, 'hashes' | 'manifest' | 'charts' | 'appd'>): Omit<Finding, 'fatal'> | undefined {
  const of = (status: string) => pkg.hashes.filter((check) => check.status === status).map((check) => check.source);
  const mismatched = of('mismatch');
  const missing = of('missing');
  const unsupported = of('unsupportedAlgorithm');
  const listed = new Set(pkg.hashes.map((check) => normalise(check.source)));
  const unlisted = [pkg.appd.source, ...pkg.charts.map((chart) => chart.source)].filter((source) => !listed.has(source));
  const mf = pkg.manifest.path;
  const problems: Array<Omit<Finding, 'fatal'>> = [];
  if (mismatched.length > 0) {
    problems.push({ reason: 'ManifestHashMismatch',
      message: `the hash in ${mf} does not match ${list(mismatched)}: the file changed after the manifest was made, or the manifest holds placeholder hashes; rebuild the manifest with the files' SHA-256` });
  }
  if (missing.length > 0) {
    problems.push({ reason: 'ManifestFileMissing', message: `${mf} lists ${list(missing)}, not in the package; remove the record or add the file` });
  }
  if (unsupported.length > 0) {
    problems.push({ reason: 'ManifestAlgorithmUnsupported', message: `${mf} hashes ${list(unsupported)} with an algorithm other than SHA-256, SHA-384 or SHA-512; use SHA-256` });
  }
  if (unlisted.length > 0) {
    problems.push({ reason: 'ManifestIncomplete', message: `${mf} does not list ${list(unlisted)}; add a Source/Algorithm/Hash record for each` });
  }
  const first = problems[0];
  if (first === undefined) return undefined;
  return { reason: first.reason, message: problems.map((problem) => problem.message).join('; also ') };
}

function signatureMessage(reason: VerifyFailureReason, manifest: string, detail: string): string {
  switch (reason) {
    case 'TrustedCaInvalid':
      return `the trusted CA is not usable: ${detail}; give PEM certificate(s)`;
    case 'SignatureVerifierUnavailable':
      return `the signature of ${manifest} cannot be checked: ${detail}`;
    default:
      return `the CMS signature of ${manifest} does not verify (${detail}); the manifest was changed after signing or the signer is not trusted by the given CA`;
  }
}

function normalise(source: string): string {
  const checked = checkEntryPath(source);
  return checked.ok ? checked.path : source;
}

function list(paths: string[]): string {
  const shown = paths.slice(0, 5).map((path) => JSON.stringify(path)).join(', ');
  return paths.length > 5 ? `${shown} and ${paths.length - 5} more` : shown;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
