/**
 * Inspect: parse the downloaded CSAR (once per digest in this process) and judge it under the
 * verification policy. Sets Parsed, RulesValid and Verified and what status shows of the
 * package (app, charts, images, rules and how many the APPD declared). A package the policy refuses stalls; under manifestHashes: Warn a
 * failed check shows as Verified=False and the package goes on.
 */
import type { AppPackageStatus } from '../../../api/apppackage.js';
import { CsarError, judgeRules, verifyPackage, type CsarPackage, type VerificationPolicy } from '../../../csar/index.js';
import type { PackageStore } from '../../../packages/store.js';
import { requeueAfter, type ReconcileResult } from '../../../runtime/reconcile.js';
import { AppPackageError } from '../errors.js';
import type { Verifications } from '../verifications.js';
import { markProgress } from '../draft.js';
import type { ActionContext } from './context.js';
import { fail } from './report-failure.js';

export interface InspectInput {
  readonly sha256: string;
  readonly file: string;
  readonly policy: VerificationPolicy;
  /** What the verdict depends on, to remember it by. */
  readonly inputs: string;
}

export interface InspectDeps {
  readonly store: PackageStore;
  readonly verifications: Verifications;
  /** The package's key, to remember the verdict under. */
  readonly key: string;
}

export async function inspect(ctx: ActionContext, input: InspectInput, deps: InspectDeps): Promise<ReconcileResult> {
  let csar: CsarPackage;
  try {
    csar = await deps.store.open(input.sha256, input.file);
  } catch (error) {
    if (error instanceof CsarError) return fail(ctx, 'Parsed', error);
    throw error;
  }
  ctx.draft.set('Parsed', true, 'ParseSucceeded', `APPD, manifest, ${csar.charts.length} chart(s) and ${csar.images.length} image(s) read.`);
  describe(ctx.draft.value, csar);
  // Every rule the APPD declares is applied, or the package says which are not and why.
  const rules = judgeRules(csar.appd);
  ctx.draft.set('RulesValid', rules.valid, rules.reason, rules.message);
  if (!rules.valid) await ctx.event('Warning', rules.reason, rules.message);

  const verdict = await verifyPackage(csar, input.policy);
  deps.verifications.set(deps.key, input.inputs, verdict);
  ctx.draft.set('Verified', verdict.verified, verdict.reason, verdict.message);
  if (!verdict.verified && verdict.fatal) return fail(ctx, 'Verified', new AppPackageError(verdict.reason, verdict.message, { transient: false }));
  markProgress(ctx.draft, ctx.pkg, 'Distributing the package.');
  await ctx.commit();
  return requeueAfter(0);
}

/** What status shows of the package's content. */
export function describe(status: AppPackageStatus, csar: CsarPackage): void {
  status.app = JSON.parse(JSON.stringify(csar.app)) as AppPackageStatus['app'];
  status.charts = csar.charts.map((c) => ({ name: c.name, version: c.version, digest: `sha256:${c.sha256}` }));
  status.images = csar.images.map((i) => JSON.parse(JSON.stringify({ name: i.name, version: i.version, source: i.swImage, architecture: i.architecture })) as NonNullable<AppPackageStatus['images']>[number]);
  const declared = (kind: 'traffic' | 'dns') => csar.appd.ruleProblems.filter((p) => p.kind === kind).length;
  status.rules = {
    trafficRules: csar.appd.trafficRules.length, dnsRules: csar.appd.dnsRules.length, appSupportMp1: csar.appd.appSupportMp1 ?? false,
    declaredTrafficRules: csar.appd.trafficRules.length + declared('traffic'), declaredDnsRules: csar.appd.dnsRules.length + declared('dns'),
  };
}
