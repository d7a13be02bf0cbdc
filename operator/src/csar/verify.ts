/**
 * verifyPackage: decides whether an opened package is trusted under a verification policy.
 *
 *   manifestHashes  Strict     every manifest record must match its file, and the APPD and
 *                              every chart must be listed — with signature Required, every file
 *                              of the package but the manifest and its signature files;
 *                              otherwise refuse (fatal)
 *                   Warn       same checks, but a failure is reported, not fatal
 *                   Skip       hashes are not looked at
 *   signature       Required   the manifest must carry a CMS signature that chains to
 *                              trustedCaPem (and nothing else) by a certificate meant for
 *                              signing; otherwise refuse
 *                   IfPresent  a signature that is there must verify (against trustedCaPem
 *                              when given, else for integrity only); none is fine
 *                   Skip       the signature is not looked at
 *   rules           Strict     every APPD rule must have been mapped (appd.ruleProblems
 *                              empty); otherwise refuse with RulesInvalid. Default: Strict
 *                              when manifestHashes is Strict, else Warn (not judged here; the
 *                              controller shows judgeRules as the RulesValid condition)
 *
 * A signature failure is always fatal: a signature that is there and wrong means tampering.
 */
import { verifyCmsSignature } from './cms.js';
import { checkEntryPath } from './entry-name.js';
import type { Appd, CsarPackage, RuleProblem } from './types.js';

/** How much trust a package must earn. */
export interface VerificationPolicy {
  manifestHashes: 'Strict' | 'Warn' | 'Skip';
  signature: 'Required' | 'IfPresent' | 'Skip';
  /** PEM CA certificate(s) the signer must chain to; the system's trust store is never used. */
  trustedCaPem?: string;
  /** Whether an APPD rule that could not be mapped refuses the package; default Strict when manifestHashes is Strict, else Warn. */
  rules?: 'Strict' | 'Warn';
}

/** Why a package is not verified. */
export type VerifyFailureReason =
  | 'ManifestHashMismatch'
  | 'ManifestFileMissing'
  | 'ManifestAlgorithmUnsupported'
  | 'ManifestIncomplete'
  | 'SignatureMissing'
  | 'SignatureInvalid'
  | 'SignerNotForSigning'
  | 'TrustedCaMissing'
  | 'TrustedCaInvalid'
  | 'SignatureVerifierUnavailable'
  | 'RulesInvalid';

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
  /** Environment of the openssl process (default: the operator's). */
  opensslEnv?: NodeJS.ProcessEnv;
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
        ...(options.opensslEnv !== undefined ? { env: options.opensslEnv } : {}),
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

  // Hashes after the signature: a signature problem (tampering, an untrusted signer) is the one to name first.
  if (policy.manifestHashes !== 'Skip') {
    const everyFile = policy.manifestHashes === 'Strict' && policy.signature === 'Required';
    const problem = judgeHashes(pkg, { everyFile });
    if (problem === undefined) {
      passed.push(`the manifest's ${pkg.hashes.length} hash(es) match and cover ${everyFile ? 'every file of the package' : 'the APPD and charts'}`);
    } else {
      findings.push({ ...problem, fatal: policy.manifestHashes === 'Strict' });
    }
  }

  if ((policy.rules ?? (policy.manifestHashes === 'Strict' ? 'Strict' : 'Warn')) === 'Strict') {
    const rules = judgeRules(pkg.appd);
    if (!rules.valid) findings.push({ reason: 'RulesInvalid', fatal: true, message: `${uncapitalise(rules.message.replace(/\.$/, ''))} (rules: Strict)` });
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

/**
 * The hash problem to report, most serious first, naming every file involved; undefined when all
 * is well. The manifest must list the APPD and every chart; with `everyFile`, every file of the
 * package except the manifest and its signature files (`pkg.signatureFiles`).
 */
export function judgeHashes(
  pkg: Pick<CsarPackage, 'hashes' | 'manifest' | 'charts' | 'appd' | 'entries' | 'signatureFiles'>,
  options: { everyFile?: boolean } = {},
): Omit<Finding, 'fatal'> | undefined {
  const of = (status: string) => pkg.hashes.filter((check) => check.status === status).map((check) => check.source);
  const mismatched = of('mismatch');
  const missing = of('missing');
  const unsupported = of('unsupportedAlgorithm');
  const listed = new Set(pkg.hashes.map((check) => normalise(check.source)));
  const exempt = new Set([pkg.manifest.path, ...pkg.signatureFiles]);
  const required = options.everyFile === true
    ? pkg.entries.filter((path) => !exempt.has(path))
    : [pkg.appd.source, ...pkg.charts.map((chart) => chart.source)];
  const unlisted = [...new Set(required)].filter((source) => !listed.has(source));
  const mf = pkg.manifest.path;
  const problems: Array<Omit<Finding, 'fatal'>> = [];
  if (mismatched.length > 0) {
    problems.push({ reason: 'ManifestHashMismatch',
      message: `the hash in ${mf} does not match ${list(mismatched)}: the file changed after the manifest was made, or the manifest holds placeholder hashes; rebuild the manifest with the files' SHA-256` });
  }
  if (missing.length > 0) {
    problems.push({ reason: 'ManifestFileMissing', message: `the manifest ${mf} lists ${list(missing)}, not in the package; remove the record or add the file` });
  }
  if (unsupported.length > 0) {
    problems.push({ reason: 'ManifestAlgorithmUnsupported', message: `the manifest ${mf} hashes ${list(unsupported)} with an algorithm other than SHA-256, SHA-384 or SHA-512; use SHA-256` });
  }
  if (unlisted.length > 0) {
    const scope = options.everyFile === true ? '; with a required signature every file but the manifest and its signature must have one' : '';
    problems.push({ reason: 'ManifestIncomplete', message: `the manifest ${mf} does not list ${list(unlisted)}; add a Source/Algorithm/Hash record for each${scope}` });
  }
  const first = problems[0];
  if (first === undefined) return undefined;
  return { reason: first.reason, message: problems.map((problem) => problem.message).join('; also ') };
}

/** judgeRules' verdict: the RulesValid condition of an AppPackage, as data. */
export type RulesVerdict =
  | { valid: true; reason: 'RulesValid'; message: string }
  | { valid: false; reason: 'RulesInvalid'; message: string; problems: RuleProblem[] };

/**
 * Whether every rule the APPD declares was mapped, with a message that lists each rule left out
 * and why (the first 10, then a count). Pure. verifyPackage refuses on it under `rules: Strict`;
 * otherwise the caller shows it (RulesValid condition, a Warning event) and goes on.
 */
export function judgeRules(appd: Pick<Appd, 'trafficRules' | 'dnsRules' | 'ruleProblems'>): RulesVerdict {
  const problems = appd.ruleProblems;
  const mapped = appd.trafficRules.length + appd.dnsRules.length;
  if (problems.length === 0) {
    return { valid: true, reason: 'RulesValid', message: `All ${mapped} rule(s) of the APPD (${appd.trafficRules.length} traffic, ${appd.dnsRules.length} DNS) were mapped.` };
  }
  const shown = problems.slice(0, 10).map((problem) => {
    const at = `${problem.kind === 'traffic' ? 'appTrafficRule' : 'appDNSRule'}[${problem.index}]`;
    return `${at}${problem.ruleId === at ? '' : ` ${JSON.stringify(problem.ruleId)}`}: ${problem.problem}`;
  });
  const more = problems.length > 10 ? `; and ${problems.length - 10} more` : '';
  return {
    valid: false, reason: 'RulesInvalid', problems,
    message: `${problems.length} of the APPD's ${mapped + problems.length} rule(s) cannot be applied and were left out: ${shown.join('; ')}${more}. Fix them in the APPD.`,
  };
}

function signatureMessage(reason: VerifyFailureReason, manifest: string, detail: string): string {
  switch (reason) {
    case 'SignerNotForSigning':
      return `the CMS signature of ${manifest} verifies against the trusted CA, but ${detail}`;
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

function uncapitalise(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
