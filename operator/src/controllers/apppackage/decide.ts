/**
 * The AppPackage workflow as pure functions: what observe found in, the one next step out.
 *
 *   create ─► AddFinalizer ─► Download ─► Inspect ─────────► Distribute ─► settled (done)
 *                             cache by    parse, verify      per host, decideHost:
 *                             digest *    refused: Stalled   Keep · Wait · Missing · Push
 *                             within the                     NotPermitted (not granted)
 *                             Tenant's                       Remove · Forget · Drop (left
 *                             bytes **                       the targets)
 *   delete ─► Withdraw (Remove/Forget/Drop every host) ─► ReleaseFinalizer (gives up on hosts
 *             that did not answer within deletionTimeoutMs)
 *   suspend ─► Nothing (a deletion still goes ahead)
 *   not permitted (no Tenant governs the namespace, or over spec.limits.appPackages)
 *           ─► NotPermitted: Stalled, nothing downloaded or distributed, nothing withdrawn
 *
 * (*) The cache serves a package only the digest its own source served (status.digest); for a
 * spec.sha256 cached by another package the source is asked again, once, and may refuse.
 * (**) The download cap is the lowest of spec.maxSizeBytes, the operator's and what is left of
 * the Tenant's spec.limits.packageBytes; a package refused for the Tenant's bytes is NotPermitted.
 *
 * A host the Tenant does not grant is never pushed to; its repository is written to only to take
 * out what was pushed while it was granted (its entry has a chartReference).
 *
 * A step is done when its condition is True for this generation and what it made is at hand:
 * the file in the cache, the package parsed in this process, the verdict for these inputs.
 * Each step is cheap when its product is there, so a new generation walks the steps again.
 */
import type { AppPackage } from '../../api/apppackage.js';
import type { AppPackageConditionType, AppPackageReason } from '../../api/apppackage-conditions.js';
import { httpHeaders, packageDownload, type DownloadSource, type SourceCredentials } from '../../appstore/client.js';
import type { CsarPackage, VerificationPolicy, VerifyResult } from '../../csar/index.js';
import type { CredentialsByHost } from '../../oci/credentials.js';
import type { RepositoryLocation } from '../../oci/layout.js';
import { findCondition } from '../../runtime/conditions.js';
import { isDeleting } from '../../runtime/objects.js';
import type { Verdict } from '../../tenancy/verdict.js';
import type { Credentials, PackageContent } from './edge-repository.js';
import type { HostEntry } from './hosts.js';

/**
 * Something read, or why it could not be. A failure with a reason will not pass by waiting (an
 * EdgeHost Secret outside the operator's namespace); one without may (a Secret yet to appear).
 */
export type Read<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string; readonly reason?: 'SecretNamespaceNotAllowed' };

/** Where an edge host's repository is, and as whom to write to it. */
export interface RepositoryAccess {
  readonly location: RepositoryLocation;
  readonly credentials: Credentials | undefined;
}

/** A host the package targets, or one that has an entry in status.hosts. */
export interface ObservedHost {
  readonly name: string;
  readonly previous: HostEntry | undefined;
  readonly targeted: boolean;
  /** The EdgeHost exists. */
  readonly exists: boolean;
  readonly paused: boolean;
  /** Whether the namespace's Tenant grants the host. */
  readonly permission: Verdict;
  /** Read only for hosts that need a push or a removal. */
  readonly access?: Read<RepositoryAccess>;
}

/** What the package's Tenant lets its downloads take (spec.limits.packageBytes). */
export interface ByteBudget {
  readonly tenant: string;
  readonly limit: number;
  /** The limit less what the Tenant's other packages hold. */
  readonly left: number;
}

export interface AppPackageObservation {
  readonly hasFinalizer: boolean;
  /** Whether the namespace's Tenant allows the package at all (governed, within spec.limits.appPackages). */
  readonly permission: Verdict;
  /** Undefined: the Tenant sets no byte limit (or tenancy is off). */
  readonly budget: ByteBudget | undefined;
  /** The download in the cache: spec.sha256's file, else status.digest's. */
  readonly cached: { readonly sha256: string; readonly file: string; readonly size: number } | undefined;
  /** Credentials for the source; a problem carries the reason it is reported with. */
  readonly source:
    | { readonly ok: true; readonly credentials: SourceCredentials | undefined }
    | { readonly ok: false; readonly reason: 'CredentialsSecretInvalid' | 'SourceRefused'; readonly message: string; readonly transient: boolean };
  /** The package parsed in this process (of `cached`, or of status.digest). */
  readonly parsed: CsarPackage | undefined;
  /** PEM of spec.verification.trustedCASecretRef (undefined: none referenced). */
  readonly trustedCa: Read<string | undefined>;
  /** What a verdict depends on: the digest, the policy and the CA. */
  readonly verificationInputs: string;
  /** The verdict this process reached on exactly those inputs. */
  readonly verification: VerifyResult | undefined;
  /** Credentials for the images' source registries (undefined: anonymous). */
  readonly imageCredentials: Read<CredentialsByHost | undefined>;
  /** EdgeHosts that should hold the package (none while it is being deleted). */
  readonly targets: readonly string[];
  /** The targets and the hosts with an entry, sorted by name. */
  readonly hosts: readonly ObservedHost[];
}

/** What to do with one host. */
export type HostDecision =
  /** Holds this digest already. */
  | 'Keep'
  /** Targeted but paused: nothing changes on it until it is unpaused. */
  | 'Wait'
  /** Named in spec.distribution.hostNames but no such EdgeHost. */
  | 'Missing'
  /** Targeted, but the Tenant does not grant it: nothing is pushed, what it holds stays. */
  | 'NotPermitted'
  /** Targeted and without this digest (or its last try failed). */
  | 'Push'
  /** No longer targeted: take the package out of its repository. */
  | 'Remove'
  /** No longer targeted and the EdgeHost is gone: nothing to take out of. */
  | 'Forget'
  /** No longer targeted, not granted, and never pushed to: the entry goes, the repository is not asked. */
  | 'Drop';

export interface HostView {
  readonly targeted: boolean;
  readonly exists: boolean;
  readonly paused: boolean;
  readonly permission: Verdict;
}

export function decideHost(previous: HostEntry | undefined, host: HostView, digest: string): HostDecision {
  if (!host.targeted) {
    // A host outside the grant is written to only to take out what was pushed while it was in it.
    if (!host.permission.ok && previous?.chartReference === undefined) return 'Drop';
    return host.exists ? 'Remove' : 'Forget';
  }
  // Before Missing: a tenant learns nothing of hosts it is not granted, not even whether they exist.
  if (!host.permission.ok) return 'NotPermitted';
  if (!host.exists) return 'Missing';
  if (previous?.state === 'Distributed' && previous.digest === digest) return 'Keep';
  return host.paused ? 'Wait' : 'Push';
}

/** One host's part of Distribute or Withdraw. */
export interface HostStep {
  readonly name: string;
  readonly decision: HostDecision;
  readonly previous: HostEntry | undefined;
  /** Push and Remove: the repository, or why it cannot be written to. */
  readonly access?: Read<RepositoryAccess>;
  /** NotPermitted: the missing grant. */
  readonly refusal?: string;
}

export type Charts = PackageContent['charts'];

export type AppPackageAction =
  | { readonly kind: 'Nothing'; readonly why: 'Suspended' | 'Refused' | 'NotOurs' }
  | { readonly kind: 'AddFinalizer' }
  | { readonly kind: 'ReportFailure'; readonly condition: AppPackageConditionType; readonly reason: AppPackageReason; readonly message: string; readonly transient: boolean }
  /** The Tenant refuses the package (`condition`: the step it refuses, when one). */
  | { readonly kind: 'NotPermitted'; readonly message: string; readonly condition?: 'Downloaded' }
  /**
   * `knownSha256`: status.digest when it is the digest wanted, the proof that lets the cache
   * stand in for the source. `overBudget`: the NotPermitted message for a package refused as too
   * large, set when the Tenant's bytes are the lowest cap.
   */
  | { readonly kind: 'Download'; readonly source: DownloadSource; readonly expectedSha256?: string; readonly knownSha256?: string; readonly maxBytes: number; readonly overBudget?: string }
  | { readonly kind: 'Inspect'; readonly sha256: string; readonly file: string; readonly policy: VerificationPolicy; readonly inputs: string }
  | { readonly kind: 'Distribute'; readonly digest: string; readonly targets: readonly string[]; readonly hosts: readonly HostStep[]; readonly content: PackageContent }
  | { readonly kind: 'Withdraw'; readonly hosts: readonly HostStep[]; readonly charts: Charts }
  | { readonly kind: 'ReleaseFinalizer'; readonly abandoned: readonly string[] };

export interface DecideSettings {
  /** Largest download when spec.maxSizeBytes is unset. */
  readonly maxPackageBytes: number;
  /** How long deletion waits for hosts that do not answer before it gives up on them. */
  readonly deletionTimeoutMs: number;
}

export interface DecideInput {
  readonly pkg: AppPackage;
  readonly observation: AppPackageObservation;
  readonly now: Date;
  readonly settings: DecideSettings;
}

export function decide(input: DecideInput): AppPackageAction {
  const { pkg, observation: o } = input;
  // Before suspend: a suspended package that is deleted must still leave the hosts.
  if (isDeleting(pkg)) return decideDeletion(input);
  if (pkg.spec.suspend) return { kind: 'Nothing', why: 'Suspended' };
  if (!o.permission.ok) return { kind: 'NotPermitted', message: o.permission.message };
  if (!o.hasFinalizer) return { kind: 'AddFinalizer' };

  const generation = pkg.metadata.generation ?? 0;
  const done = (type: AppPackageConditionType) => {
    const condition = findCondition(pkg.status?.conditions, type);
    return condition?.status === 'True' && condition.observedGeneration === generation;
  };
  const statusSha256 = pkg.status?.digest?.replace('sha256:', '');
  const cached = o.cached;
  if (!cached || cached.sha256 !== statusSha256 || !done('Downloaded')) {
    const budget = o.budget;
    if (budget?.left === 0) return { kind: 'NotPermitted', condition: 'Downloaded', message: budgetUsedUp(budget) };
    if (!o.source.ok) return { kind: 'ReportFailure', condition: 'Downloaded', reason: o.source.reason, message: o.source.message, transient: o.source.transient };
    const source = downloadSourceOf(pkg.spec.source, o.source.credentials);
    if (!source) {
      return { kind: 'ReportFailure', condition: 'Downloaded', reason: 'SourceNotFound', message: 'spec.source names neither appstore nor http.', transient: false };
    }
    // The cache stands in for the source only for a digest this package's source served
    // (status.digest, written by Download alone): a spec.sha256 someone else cached is fetched.
    const proven = statusSha256 !== undefined && (pkg.spec.sha256 ?? statusSha256) === statusSha256;
    // spec.maxSizeBytes may lower the operator's limit, never raise it; the Tenant's bytes lower both.
    const cap = Math.min(pkg.spec.maxSizeBytes ?? input.settings.maxPackageBytes, input.settings.maxPackageBytes);
    const tenantCaps = budget !== undefined && budget.left < cap;
    return {
      kind: 'Download', source, maxBytes: tenantCaps ? budget.left : cap,
      ...(pkg.spec.sha256 ? { expectedSha256: pkg.spec.sha256 } : {}), ...(proven ? { knownSha256: statusSha256 } : {}),
      ...(tenantCaps ? { overBudget: overBudget(budget) } : {}),
    };
  }
  if (!o.parsed || !done('Parsed') || !o.verification) {
    if (!o.trustedCa.ok) return { kind: 'ReportFailure', condition: 'Verified', reason: 'TrustedCASecretInvalid', message: o.trustedCa.message, transient: true };
    const verification = pkg.spec.verification ?? {};
    const policy: VerificationPolicy = {
      manifestHashes: verification.manifestHashes ?? 'Warn', signature: verification.signature ?? 'Skip',
      ...(verification.rules ? { rules: verification.rules } : {}),
      ...(o.trustedCa.value !== undefined ? { trustedCaPem: o.trustedCa.value } : {}),
    };
    return { kind: 'Inspect', sha256: cached.sha256, file: cached.file, policy, inputs: o.verificationInputs };
  }
  if (!o.verification.verified && o.verification.fatal) return { kind: 'Nothing', why: 'Refused' };

  const digest = `sha256:${cached.sha256}`;
  return { kind: 'Distribute', digest, targets: o.targets, hosts: o.hosts.map((h) => stepOf(h, digest, o)), content: contentOf(pkg, o.parsed, o.imageCredentials) };
}

function decideDeletion({ pkg, observation: o, now, settings }: DecideInput): AppPackageAction {
  if (!o.hasFinalizer) return { kind: 'Nothing', why: 'NotOurs' };
  const steps = o.hosts.filter((h) => h.previous).map((h) => stepOf(h, pkg.status?.digest ?? '', o));
  const waitedMs = now.getTime() - Date.parse(pkg.metadata.deletionTimestamp ?? now.toISOString());
  if (steps.length === 0) return { kind: 'ReleaseFinalizer', abandoned: [] };
  if (waitedMs >= settings.deletionTimeoutMs) {
    return { kind: 'ReleaseFinalizer', abandoned: steps.filter((s) => s.decision === 'Remove').map((s) => s.name) };
  }
  const charts: Charts = o.parsed ? chartsOf(o.parsed)
    : (pkg.status?.charts ?? []).map((c) => ({ name: c.name, version: c.version ?? '', path: '', sha256: '' }));
  return { kind: 'Withdraw', hosts: steps, charts };
}

function budgetUsedUp(b: ByteBudget): string {
  return `Tenant ${b.tenant} allows ${b.limit} bytes of packages (spec.limits.packageBytes) and its other AppPackages hold them all: delete one or ask an admin to raise the limit`;
}

function overBudget(b: ByteBudget): string {
  return `The package is larger than the ${b.left} bytes left of Tenant ${b.tenant}'s spec.limits.packageBytes (${b.limit} bytes; its other AppPackages hold the rest): delete one or ask an admin to raise the limit`;
}

function stepOf(host: ObservedHost, digest: string, o: AppPackageObservation): HostStep {
  const decision = decideHost(host.previous, host, digest);
  const step = { name: host.name, decision, previous: host.previous };
  if (decision === 'NotPermitted' && !host.permission.ok) return { ...step, refusal: host.permission.message };
  if (decision !== 'Push' && decision !== 'Remove') return step;
  const access: Read<RepositoryAccess> = host.access ?? { ok: false, message: `The repository of EdgeHost ${host.name} was not read.` };
  // A push also reads the images' source registries: without their credentials it cannot go ahead.
  if (decision === 'Push' && access.ok && !o.imageCredentials.ok) return { ...step, access: { ok: false, message: o.imageCredentials.message } };
  return { ...step, access };
}

/** The URL and headers the package is downloaded with; undefined when spec.source names no source. */
export function downloadSourceOf(source: AppPackage['spec']['source'], credentials: SourceCredentials | undefined): DownloadSource | undefined {
  if (source.appstore) return packageDownload(source.appstore, credentials);
  if (source.http) return { url: source.http.url, headers: httpHeaders(credentials) };
  return undefined;
}

function contentOf(pkg: AppPackage, csar: CsarPackage, imageCredentials: Read<CredentialsByHost | undefined>): PackageContent {
  const images = pkg.spec.images ?? {};
  return {
    namespace: pkg.metadata.namespace ?? '', name: pkg.metadata.name ?? '', charts: chartsOf(csar),
    images: csar.images.filter((i) => i.swImage).map((i) => ({ swImage: i.swImage })),
    mirror: images.mirror ?? 'IfReachable', insecureSources: images.insecureRegistries ?? [],
    ...(imageCredentials.ok && imageCredentials.value ? { sourceCredentials: imageCredentials.value } : {}),
  };
}

function chartsOf(csar: CsarPackage): Charts {
  return csar.charts.map((c) => ({ path: c.path, sha256: c.sha256, name: c.name, version: c.version }));
}
