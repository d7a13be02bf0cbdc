/**
 * The AppPackage actions on a recording context (status commits and events kept, not sent):
 * downloads from the appstore simulator, real CSARs, and edge repositories that do not answer.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppstoreSimulator } from '../../../../testenv/src/appstore-simulator.js';
import { packageDownload } from '../../../src/appstore/client.js';
import { distribute } from '../../../src/controllers/apppackage/actions/distribute.js';
import { download } from '../../../src/controllers/apppackage/actions/download.js';
import { inspect } from '../../../src/controllers/apppackage/actions/inspect.js';
import { notPermitted } from '../../../src/controllers/apppackage/actions/not-permitted.js';
import { reportFailure } from '../../../src/controllers/apppackage/actions/report-failure.js';
import { withdraw } from '../../../src/controllers/apppackage/actions/withdraw.js';
import type { HostStep } from '../../../src/controllers/apppackage/decide.js';
import type { PackageContent } from '../../../src/controllers/apppackage/edge-repository.js';
import { AppPackageError } from '../../../src/controllers/apppackage/errors.js';
import { Verifications } from '../../../src/controllers/apppackage/verifications.js';
import { CsarError, type VerificationPolicy } from '../../../src/csar/index.js';
import { DownloadError } from '../../../src/packages/download.js';
import { PackageStore } from '../../../src/packages/store.js';
import { chartTgz, validFiles, withManifest, zipOf } from '../../csar/support/packages.js';
import { appPackage, conditionOf, entry, observedHost, recordingContext, sha } from './fixtures.js';

const digest = `sha256:${sha}`;
const unreachable = observedHost('x').access;
const step = (name: string, decision: HostStep['decision'], extra: Partial<HostStep> = {}): HostStep => ({ name, decision, previous: undefined, ...extra });
const content: PackageContent = {
  namespace: 'tenant', name: 'demo', charts: [{ name: 'demo', version: '1.2.3', path: '/nonexistent/demo.tgz', sha256: '0'.repeat(64) }],
  images: [], mirror: 'Skip', insecureSources: [],
};
const settings = { timeoutMs: 2000, retryErroredHostsMs: 7000 };

describe('AppPackage actions', () => {
  let work: string;

  beforeEach(async () => {
    work = await mkdtemp(join(tmpdir(), 'apkg-actions-'));
  });

  afterEach(() => rm(work, { recursive: true, force: true }));

  describe('Download', () => {
    let store: AppstoreSimulator;
    const file = Buffer.from('not a real package, just bytes');
    const fileSha = createHash('sha256').update(file).digest('hex');

    beforeEach(async () => {
      store = await AppstoreSimulator.start({ token: 'tok' });
      await store.addPackage({ appId: 'app', packageId: 'v1', name: 'demo', version: '1', provider: 'tests', file });
    });

    afterEach(() => store.stop());

    const source = (token: string) => packageDownload({ url: store.url, appId: 'app', packageId: 'v1' }, { kind: 'Token', token });

    it('caches the package, records its digest and size, and goes on at once', async () => {
      const ctx = recordingContext(appPackage({ status: {} }));
      assert.deepEqual(await download(ctx, { source: source('tok'), maxBytes: 1 << 20 }, work, 5000), { kind: 'RequeueAfter', ms: 0 });
      const [status] = ctx.commits;
      assert.equal(ctx.commits.length, 1, 'one status write');
      assert.equal(status?.digest, `sha256:${fileSha}`);
      assert.equal(status?.sizeBytes, file.length);
      assert.equal(conditionOf(status, 'Downloaded')?.reason, 'DownloadSucceeded');
      assert.equal(conditionOf(status, 'Reconciling')?.status, 'True');
      assert.equal(conditionOf(status, 'Ready')?.status, 'False');
    });

    it('stalls on a refused download, with an event, and rethrows for the runtime', async () => {
      const ctx = recordingContext(appPackage({ status: {} }));
      await assert.rejects(download(ctx, { source: source('wrong'), maxBytes: 1 << 20 }, work, 5000),
        (e: unknown) => e instanceof DownloadError && e.reason === 'SourceRefused');
      const [status] = ctx.commits;
      assert.deepEqual([conditionOf(status, 'Downloaded')?.status, conditionOf(status, 'Downloaded')?.reason], ['False', 'SourceRefused']);
      assert.equal(conditionOf(status, 'Stalled')?.status, 'True');
      assert.equal(conditionOf(status, 'Reconciling'), undefined);
      assert.equal(conditionOf(status, 'Ready')?.reason, 'SourceRefused');
      assert.equal(status?.observedGeneration, 2, 'the spec was acted on as far as it can be');
      assert.deepEqual(ctx.events.map((e) => [e.type, e.reason]), [['Warning', 'SourceRefused']]);
    });

    it('asks the source for a digest another package cached unless status.digest proves this one was served it', async () => {
      const first = recordingContext(appPackage({ status: {} }));
      await download(first, { source: source('tok'), maxBytes: 1 << 20 }, work, 5000);
      store.grant('tenant-b', ['other-app']);
      const other = recordingContext(appPackage({ status: {}, metadata: { namespace: 'tenant-b' } }));
      await assert.rejects(download(other, { source: source('tenant-b'), expectedSha256: fileSha, maxBytes: 1 << 20 }, work, 5000),
        (e: unknown) => e instanceof DownloadError && e.reason === 'SourceRefused');
      assert.deepEqual([conditionOf(other.commits[0], 'Downloaded')?.reason, other.commits[0]?.digest], ['SourceRefused', undefined]);
      // The package that downloaded it reuses the cache (no request) on the strength of its status.digest.
      const again = recordingContext(appPackage({ status: { digest: `sha256:${fileSha}` } }));
      await download(again, { source: source('wrong'), expectedSha256: fileSha, knownSha256: fileSha, maxBytes: 1 << 20 }, work, 5000);
      assert.equal(conditionOf(again.commits[0], 'Downloaded')?.status, 'True');
      assert.equal(store.downloads.length, 1, 'one download: the refused account got nothing, the owner needed none');
    });

    it('refuses a package larger than what is left of the Tenant\'s bytes as NotPermitted, naming the limit', async () => {
      const ctx = recordingContext(appPackage({ status: {} }));
      const overBudget = 'The package is larger than the 5 bytes left of Tenant team-a\'s spec.limits.packageBytes (10 bytes; its other AppPackages hold the rest)';
      assert.deepEqual(await download(ctx, { source: source('tok'), maxBytes: 5, overBudget }, work, 5000), { kind: 'Done' });
      const [status] = ctx.commits;
      assert.deepEqual([conditionOf(status, 'Downloaded')?.status, conditionOf(status, 'Downloaded')?.reason, conditionOf(status, 'Downloaded')?.message], ['False', 'NotPermitted', overBudget]);
      assert.deepEqual([conditionOf(status, 'Stalled')?.reason, conditionOf(status, 'Ready')?.reason], ['NotPermitted', 'NotPermitted']);
      assert.equal(status?.digest, undefined, 'nothing recorded as downloaded');
      assert.deepEqual(ctx.events.map((e) => [e.type, e.reason, e.message]), [['Warning', 'NotPermitted', overBudget]]);
      // Without the Tenant's cap the same size refusal is the operator's, as before.
      const plain = recordingContext(appPackage({ status: {} }));
      await assert.rejects(download(plain, { source: source('tok'), maxBytes: 5 }, work, 5000), (e: unknown) => e instanceof DownloadError && e.reason === 'PackageTooLarge');
    });

    it('keeps reconciling through a source that does not answer', async () => {
      const ctx = recordingContext(appPackage({ status: {} }));
      await assert.rejects(download(ctx, { source: { url: 'http://127.0.0.1:9/x', headers: {} }, maxBytes: 1 << 20 }, work, 5000),
        (e: unknown) => e instanceof DownloadError && e.transient);
      const [status] = ctx.commits;
      assert.equal(conditionOf(status, 'Reconciling')?.reason, 'SourceUnreachable');
      assert.equal(conditionOf(status, 'Stalled'), undefined);
      assert.equal(status?.observedGeneration, undefined);
    });
  });

  describe('Inspect', () => {
    const policy = { manifestHashes: 'Strict', signature: 'Skip' } as const;

    async function inspectZip(zip: Buffer, verifications = new Verifications(), withPolicy: VerificationPolicy = policy) {
      const pkgStore = new PackageStore(work);
      const fileSha = createHash('sha256').update(zip).digest('hex');
      const file = join(work, 'in.csar');
      await writeFile(file, zip);
      const ctx = recordingContext(appPackage());
      const run = () => inspect(ctx, { sha256: fileSha, file, policy: withPolicy, inputs: 'in' }, { store: pkgStore, verifications, key: 'tenant/demo' });
      return { ctx, run, verifications };
    }

    /** A package whose one traffic rule has an action the MEP does not know (so it cannot be applied). */
    async function badRulePackage(): Promise<Buffer> {
      const files = validFiles(await chartTgz('demo', '1.2.3'));
      files['APPD/Definition/MainServiceTemplate.yaml'] = String(files['APPD/Definition/MainServiceTemplate.yaml']).replace('action: FORWARD_AS_IS', 'action: REDIRECT');
      return zipOf(withManifest(files));
    }

    it('shows an APPD rule that cannot be applied as RulesValid=False with a Warning, and goes on under rules: Warn', async () => {
      const { ctx, run } = await inspectZip(await badRulePackage(), new Verifications(), { ...policy, rules: 'Warn' });
      assert.deepEqual(await run(), { kind: 'RequeueAfter', ms: 0 });
      const [status] = ctx.commits;
      const rules = conditionOf(status, 'RulesValid');
      assert.deepEqual([rules?.status, rules?.reason], ['False', 'RulesInvalid']);
      assert.match(rules?.message ?? '', /appTrafficRule\[0\] "r1": action "REDIRECT"/);
      assert.deepEqual([status?.rules?.trafficRules, status?.rules?.declaredTrafficRules], [0, 1], 'one declared, none applicable');
      assert.deepEqual(ctx.events.map((e) => [e.type, e.reason]), [['Warning', 'RulesInvalid']]);
    });

    it('refuses a package with a rule that cannot be applied under rules: Strict (the default with manifestHashes: Strict)', async () => {
      const { ctx, run } = await inspectZip(await badRulePackage());
      await assert.rejects(run(), (e: unknown) => e instanceof AppPackageError && e.reason === 'RulesInvalid' && !e.transient);
      const [status] = ctx.commits;
      assert.equal(conditionOf(status, 'RulesValid')?.status, 'False');
      assert.equal(conditionOf(status, 'Stalled')?.reason, 'RulesInvalid');
    });

    it('parses, verifies, describes the package and goes on at once', async () => {
      const { ctx, run, verifications } = await inspectZip(zipOf(withManifest(validFiles(await chartTgz('demo', '1.2.3')))));
      assert.deepEqual(await run(), { kind: 'RequeueAfter', ms: 0 });
      const [status] = ctx.commits;
      assert.equal(conditionOf(status, 'Parsed')?.status, 'True');
      assert.deepEqual([conditionOf(status, 'Verified')?.status, conditionOf(status, 'Verified')?.reason], ['True', 'Verified']);
      assert.deepEqual([conditionOf(status, 'RulesValid')?.status, conditionOf(status, 'RulesValid')?.reason], ['True', 'RulesValid']);
      assert.equal(status?.app?.name, 'demo');
      assert.deepEqual(status?.charts?.map((c) => `${c.name}:${c.version}`), ['demo:1.2.3']);
      assert.equal(status?.images?.[0]?.source, 'registry.example/demo/demo:1.0');
      assert.equal(verifications.get('tenant/demo', 'in')?.verified, true, 'the verdict is remembered for its inputs');
    });

    it('stalls a package the policy refuses, and remembers the verdict', async () => {
      const files = withManifest(validFiles(await chartTgz('demo', '1.2.3')));
      files['APPD/Definition/MainServiceTemplate.yaml'] = `${String(files['APPD/Definition/MainServiceTemplate.yaml'])}# changed after the manifest\n`;
      const { ctx, run, verifications } = await inspectZip(zipOf(files));
      await assert.rejects(run(), (e: unknown) => e instanceof AppPackageError && e.reason === 'ManifestHashMismatch' && !e.transient);
      const [status] = ctx.commits;
      assert.equal(conditionOf(status, 'Verified')?.reason, 'ManifestHashMismatch');
      assert.equal(conditionOf(status, 'Stalled')?.reason, 'ManifestHashMismatch');
      assert.equal(conditionOf(status, 'Parsed')?.status, 'True', 'what was parsed is still shown');
      assert.equal(verifications.get('tenant/demo', 'in')?.verified, false);
      assert.deepEqual(ctx.events.map((e) => e.reason), ['ManifestHashMismatch']);
    });

    it('stalls a package that is not a CSAR', async () => {
      const { ctx, run } = await inspectZip(Buffer.from('plain text'));
      await assert.rejects(run(), (e: unknown) => e instanceof CsarError);
      const [status] = ctx.commits;
      assert.equal(conditionOf(status, 'Parsed')?.status, 'False');
      assert.equal(conditionOf(status, 'Stalled')?.status, 'True');
    });
  });

  describe('NotPermitted', () => {
    it('stalls with the missing grant and one event, and waits for a change', async () => {
      const ctx = recordingContext(appPackage());
      const message = 'namespace tenant is governed by no Tenant: an admin must list it in a Tenant\'s spec.namespaces before its objects may use an EdgeHost';
      assert.deepEqual(await notPermitted(ctx, { kind: 'NotPermitted', message }), { kind: 'Done' });
      const [status] = ctx.commits;
      assert.deepEqual([conditionOf(status, 'Stalled')?.status, conditionOf(status, 'Stalled')?.reason, conditionOf(status, 'Stalled')?.message], ['True', 'NotPermitted', message]);
      assert.deepEqual([conditionOf(status, 'Ready')?.status, conditionOf(status, 'Ready')?.reason], ['False', 'NotPermitted']);
      assert.equal(conditionOf(status, 'Downloaded')?.status, 'True', 'what was done stays as it was');
      assert.deepEqual(ctx.events.map((e) => [e.type, e.reason]), [['Warning', 'NotPermitted']]);
    });
  });

  describe('ReportFailure', () => {
    it('leaves a Secret that may yet appear Reconciling, and a refusal Stalled', async () => {
      const transient = recordingContext(appPackage());
      await assert.rejects(reportFailure(transient, { condition: 'Verified', reason: 'TrustedCASecretInvalid', message: 'no ca.crt', transient: true }));
      assert.equal(conditionOf(transient.commits[0], 'Verified')?.reason, 'TrustedCASecretInvalid');
      assert.equal(conditionOf(transient.commits[0], 'Reconciling')?.status, 'True');
      const terminal = recordingContext(appPackage());
      await assert.rejects(reportFailure(terminal, { condition: 'Downloaded', reason: 'SourceRefused', message: 'no keys', transient: false }));
      assert.equal(conditionOf(terminal.commits[0], 'Stalled')?.reason, 'SourceRefused');
    });
  });

  describe('Distribute', () => {
    it('follows each host\'s decision and reports the hosts left to do', async () => {
      const ctx = recordingContext(appPackage());
      const hosts = [
        step('a-kept', 'Keep', { previous: { ...entry('a-kept', 'Distributed'), chartReference: 'oci://r/a:1' } }),
        step('b-paused', 'Wait'),
        step('c-missing', 'Missing'),
        step('d-down', 'Push', { access: unreachable }),
        step('e-no-secret', 'Push', { access: { ok: false, message: 'Secret tenant/regcred does not exist' } }),
        step('f-leaving', 'Remove', { previous: entry('f-leaving', 'Distributed'), access: unreachable }),
        step('g-gone', 'Forget', { previous: entry('g-gone', 'Distributed') }),
      ];
      const targets = ['a-kept', 'b-paused', 'c-missing', 'd-down', 'e-no-secret'];
      await assert.rejects(distribute(ctx, { digest, targets, hosts, content }, settings),
        (e: unknown) => e instanceof AppPackageError && e.reason === 'DistributionInProgress' && e.transient);
      const [status] = ctx.commits;
      assert.deepEqual(status?.hosts?.map((h) => [h.name, h.state]), [
        ['a-kept', 'Distributed'], ['b-paused', 'Distributing'], ['c-missing', 'Error'], ['d-down', 'Distributing'], ['e-no-secret', 'Distributing'], ['f-leaving', 'Deleting'],
      ]);
      assert.equal(status?.hosts?.[0]?.chartReference, 'oci://r/a:1');
      assert.match(status?.hosts?.[3]?.message ?? '', /127\.0\.0\.1:9/);
      assert.match(status?.hosts?.[4]?.message ?? '', /regcred/);
      assert.equal(status?.distributed, '1/5');
      assert.equal(conditionOf(status, 'Distributed')?.reason, 'DistributionFailed');
      assert.equal(conditionOf(status, 'Reconciling')?.status, 'True');
      assert.equal(status?.observedGeneration, 2);
      assert.deepEqual(ctx.events.map((e) => e.reason).sort(), ['DistributionFailed', 'DistributionFailed', 'HostGone']);
    });

    it('pushes nothing to a target the Tenant does not grant, says so per host, and stalls once the others are done', async () => {
      const ctx = recordingContext(appPackage());
      const refusal = 'Tenant t does not grant EdgeHost b: an admin must add it to the Tenant\'s spec.hosts (names or selector)';
      const hosts = [
        step('a', 'Keep', { previous: entry('a', 'Distributed') }),
        // No access: a push or a removal would fail loudly; a refused host needs none.
        step('b', 'NotPermitted', { refusal, previous: { ...entry('b', 'Distributed'), chartReference: 'oci://r/b:1' } }),
        step('c', 'Drop', { previous: entry('c', 'Error') }),
      ];
      assert.deepEqual(await distribute(ctx, { digest, targets: ['a', 'b'], hosts, content }, settings), { kind: 'Done' });
      const [status] = ctx.commits;
      assert.deepEqual(status?.hosts?.map((h) => [h.name, h.state, h.message, h.chartReference]), [
        ['a', 'Distributed', '', undefined], ['b', 'Error', `Not permitted: ${refusal}`, 'oci://r/b:1'],
      ]);
      assert.equal(status?.distributed, '1/2');
      assert.deepEqual([conditionOf(status, 'Distributed')?.reason, conditionOf(status, 'Distributed')?.message], ['NotPermitted', `Distributed to 1 of 2 host(s); not permitted: ${refusal}.`]);
      assert.deepEqual([conditionOf(status, 'Stalled')?.reason, conditionOf(status, 'Ready')?.reason], ['NotPermitted', 'NotPermitted']);
      assert.deepEqual(ctx.events.map((e) => [e.type, e.reason]), [['Warning', 'NotPermitted']]);
    });

    it('settles when every target has the package, and retries errors later', async () => {
      const settled = recordingContext(appPackage());
      assert.deepEqual(await distribute(settled, { digest, targets: ['a'], hosts: [step('a', 'Keep', { previous: entry('a', 'Distributed') })], content }, settings), { kind: 'Done' });
      assert.equal(conditionOf(settled.commits[0], 'Ready')?.reason, 'PackageReady');
      assert.equal(conditionOf(settled.commits[0], 'Reconciling'), undefined);
      const errored = recordingContext(appPackage());
      const hosts = [step('a', 'Keep', { previous: entry('a', 'Distributed') }), step('b', 'Missing')];
      assert.deepEqual(await distribute(errored, { digest, targets: ['a', 'b'], hosts, content }, settings), { kind: 'RequeueAfter', ms: 7000 });
      assert.equal(conditionOf(errored.commits[0], 'Ready')?.reason, 'DistributionFailed');
    });
  });

  describe('Withdraw', () => {
    it('keeps a host that did not answer as Deleting and retries; forgets a host that is gone', async () => {
      const ctx = recordingContext(appPackage({ metadata: { deletionTimestamp: '2026-11-27T09:59:00Z' } }));
      const hosts = [step('a', 'Remove', { previous: entry('a', 'Distributed'), access: unreachable }), step('b', 'Forget', { previous: entry('b', 'Distributed') })];
      await assert.rejects(withdraw(ctx, hosts, content.charts, 2000), (e: unknown) => e instanceof AppPackageError && e.reason === 'RemovalPending');
      assert.deepEqual(ctx.commits[0]?.hosts?.map((h) => [h.name, h.state]), [['a', 'Deleting']]);
      assert.deepEqual(ctx.events.map((e) => e.reason), ['HostGone']);
    });

    it('drops the entry of a host it was never pushed to without asking its repository', async () => {
      const ctx = recordingContext(appPackage({ metadata: { deletionTimestamp: '2026-11-27T09:59:00Z' } }));
      assert.deepEqual(await withdraw(ctx, [step('c', 'Drop', { previous: entry('c', 'Error') })], content.charts, 2000), { kind: 'RequeueAfter', ms: 0 });
      assert.deepEqual(ctx.commits[0]?.hosts, []);
      assert.deepEqual(ctx.events, []);
    });

    it('goes on to release the package once no host is left', async () => {
      const ctx = recordingContext(appPackage({ metadata: { deletionTimestamp: '2026-11-27T09:59:00Z' } }));
      assert.deepEqual(await withdraw(ctx, [step('b', 'Forget', { previous: entry('b', 'Distributed') })], content.charts, 2000), { kind: 'RequeueAfter', ms: 0 });
      assert.deepEqual(ctx.commits[0]?.hosts, []);
    });
  });
});
