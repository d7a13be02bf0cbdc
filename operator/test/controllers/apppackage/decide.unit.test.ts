import assert from 'node:assert/strict';
import type { AppPackage } from '../../../src/api/apppackage.js';
import type { CsarPackage } from '../../../src/csar/index.js';
import {
  decide, decideHost, downloadSourceOf, type AppPackageAction, type AppPackageObservation, type HostDecision, type HostView,
} from '../../../src/controllers/apppackage/decide.js';
import type { HostEntry } from '../../../src/controllers/apppackage/hosts.js';
import { allowed, refused } from '../../../src/tenancy/verdict.js';
import { appPackage, condition, demoPackage, entry, observation, observedHost, sha, t0 } from './fixtures.js';

const digest = `sha256:${sha}`;
const settings = { maxPackageBytes: 1000, deletionTimeoutMs: 60_000 };

describe('AppPackage decideHost', () => {
  const host = (targeted: boolean, exists = true, paused = false, permission = allowed): HostView => ({ targeted, exists, paused, permission });
  const notGranted = (targeted: boolean, exists = true) => host(targeted, exists, false, refused('Tenant t does not grant EdgeHost h'));
  const pushed = { ...entry('h', 'Distributed'), chartReference: 'oci://r/mecm/tenant/demo/demo:1.2.3' };
  const cases: Array<[string, HostEntry | undefined, HostView, HostDecision]> = [
    ['keeps a host that has this digest', entry('h', 'Distributed'), host(true), 'Keep'],
    ['keeps a paused host that has this digest', entry('h', 'Distributed'), host(true, true, true), 'Keep'],
    ['pushes to a new target', undefined, host(true), 'Push'],
    ['pushes a new digest', entry('h', 'Distributed', `sha256:${'b'.repeat(64)}`), host(true), 'Push'],
    ['retries a host still distributing', entry('h', 'Distributing'), host(true), 'Push'],
    ['retries a host in error', entry('h', 'Error'), host(true), 'Push'],
    ['pushes to a host that is being removed but is targeted again', entry('h', 'Deleting'), host(true), 'Push'],
    ['waits for a paused new target', undefined, host(true, true, true), 'Wait'],
    ['waits for a paused host with an old digest', entry('h', 'Distributed', `sha256:${'b'.repeat(64)}`), host(true, true, true), 'Wait'],
    ['reports a named host that does not exist', undefined, host(true, false), 'Missing'],
    ['reports a host that held the digest and is gone', entry('h', 'Distributed'), host(true, false), 'Missing'],
    ['removes from a host that left the targets', entry('h', 'Distributed'), host(false), 'Remove'],
    ['removes from a paused host that left the targets', entry('h', 'Error'), host(false, true, true), 'Remove'],
    ['retries a removal', entry('h', 'Deleting'), host(false), 'Remove'],
    ['forgets a host that left and is gone', entry('h', 'Distributed'), host(false, false), 'Forget'],
    ['refuses a target the Tenant does not grant', undefined, notGranted(true), 'NotPermitted'],
    ['refuses a target that held the digest before its grant went: what it holds stays', pushed, notGranted(true), 'NotPermitted'],
    ['refuses a named host that is not granted before saying whether it exists', undefined, notGranted(true, false), 'NotPermitted'],
    ['refuses a paused target that is not granted', undefined, host(true, true, true, refused('no')), 'NotPermitted'],
    ['drops the entry of a refused host that left the targets without asking its repository', entry('h', 'Error'), notGranted(false), 'Drop'],
    ['takes out what was pushed while granted from a host that left the targets', pushed, notGranted(false), 'Remove'],
    ['forgets a host that was pushed to while granted and is gone', pushed, notGranted(false, false), 'Forget'],
  ];
  for (const [name, previous, view, expected] of cases) {
    it(name, () => assert.equal(decideHost(previous, view, digest), expected));
  }
});

describe('AppPackage decide', () => {
  let parsed: CsarPackage;
  let remove: () => Promise<void>;

  before(async () => {
    ({ csar: parsed, remove } = await demoPackage());
  });

  after(() => remove());

  const deleted = (seconds: number) => new Date(t0.getTime() - seconds * 1000).toISOString();
  const run = (pkg: AppPackage, o: Partial<AppPackageObservation> = {}): AppPackageAction => decide({ pkg, observation: observation(parsed, o), now: t0, settings });
  const withHosts = { targets: ['edge-1'], hosts: [observedHost('edge-1', { previous: entry('edge-1', 'Distributed') }), observedHost('edge-2', { targeted: false, previous: entry('edge-2', 'Distributed') })] };
  const gone = { hosts: [observedHost('edge-1', { targeted: false, previous: entry('edge-1', 'Distributed') }), observedHost('edge-2', { targeted: false, exists: false, previous: entry('edge-2', 'Error') })] };
  const downloadedEarlier = { digest, conditions: [condition('Downloaded', 'True', 1), condition('Parsed', 'True', 2)] };
  const parsedEarlier = { digest, conditions: [condition('Downloaded', 'True', 2), condition('Parsed', 'True', 1)] };

  const cases: Array<[string, AppPackage, Partial<AppPackageObservation>, AppPackageAction['kind']]> = [
    ['deletion comes before suspend', appPackage({ spec: { suspend: true }, metadata: { deletionTimestamp: deleted(1) } }), gone, 'Withdraw'],
    ['deletion releases when no host holds the package', appPackage({ metadata: { deletionTimestamp: deleted(1) } }), {}, 'ReleaseFinalizer'],
    ['deletion leaves a package we never held alone', appPackage({ metadata: { deletionTimestamp: deleted(1), finalizers: ['other'] } }), { hasFinalizer: false }, 'Nothing'],
    ['suspended does nothing', appPackage({ spec: { suspend: true } }), { hasFinalizer: false, cached: undefined }, 'Nothing'],
    ['adds the finalizer first', appPackage({ status: {} }), { hasFinalizer: false, cached: undefined }, 'AddFinalizer'],
    ['downloads what is not cached', appPackage({ status: {} }), { cached: undefined }, 'Download'],
    ['downloads again when spec.sha256 names another file', appPackage({ spec: { sha256: 'c'.repeat(64) } }), { cached: { sha256: 'c'.repeat(64), file: 'f', size: 1 } }, 'Download'],
    ['downloads again (from the cache) for a new generation', appPackage({ status: downloadedEarlier }), {}, 'Download'],
    ['reports a source Secret it cannot read', appPackage({ status: {} }), { cached: undefined, source: { ok: false, reason: 'CredentialsSecretInvalid', message: 'gone', transient: true } }, 'ReportFailure'],
    ['inspects what this process has not parsed', appPackage(), { parsed: undefined }, 'Inspect'],
    ['inspects again for a new generation', appPackage({ status: parsedEarlier }), {}, 'Inspect'],
    ['verifies again when the inputs changed (no verdict for them)', appPackage(), { verification: undefined }, 'Inspect'],
    ['reports a trusted CA it cannot read', appPackage(), { verification: undefined, trustedCa: { ok: false, message: 'no ca.crt' } }, 'ReportFailure'],
    ['does nothing with a package the policy refused', appPackage(), { verification: { verified: false, fatal: true, reason: 'ManifestHashMismatch', message: 'bad' } }, 'Nothing'],
    ['distributes a package that Warn accepts', appPackage(), { verification: { verified: false, fatal: false, reason: 'ManifestHashMismatch', message: 'bad' } }, 'Distribute'],
    ['distributes (and settles) when everything is at hand', appPackage(), withHosts, 'Distribute'],
    ['refuses a package the Tenant does not allow before anything, the finalizer included', appPackage({ status: {} }), { permission: refused('no Tenant'), hasFinalizer: false, cached: undefined }, 'NotPermitted'],
    ['refuses a package the Tenant stopped allowing: nothing distributed or withdrawn', appPackage(), { ...withHosts, permission: refused('over the limit') }, 'NotPermitted'],
    ['a suspended package stays suspended when not permitted', appPackage({ spec: { suspend: true } }), { permission: refused('no Tenant') }, 'Nothing'],
    ['deletion goes ahead when not permitted (what was pushed comes out)', appPackage({ metadata: { deletionTimestamp: deleted(1) } }), { ...gone, permission: refused('no Tenant') }, 'Withdraw'],
    ['refuses a download when the Tenant\'s bytes are used up', appPackage({ status: {} }), { cached: undefined, budget: { tenant: 't', limit: 100, left: 0 } }, 'NotPermitted'],
    ['distributes a package downloaded before its Tenant\'s bytes ran out', appPackage(), { ...withHosts, budget: { tenant: 't', limit: 100, left: 0 } }, 'Distribute'],
  ];
  for (const [name, pkg, o, expected] of cases) {
    it(name, () => assert.equal(run(pkg, o).kind, expected));
  }

  it('downloads from the appstore with the token in access_token, within the size limit', () => {
    const action = run(appPackage({ status: {}, spec: { sha256: sha } }), { cached: undefined });
    assert.deepEqual(action, {
      kind: 'Download', maxBytes: 1000, expectedSha256: sha,
      source: { url: 'http://store.example/mec/appstore/v1/apps/app/packages/v1/action/download?isDownloadImage=false', headers: { access_token: 'tok' } },
    });
  });

  it('reuses status.digest and spec.maxSizeBytes', () => {
    const action = run(appPackage({ status: downloadedEarlier, spec: { maxSizeBytes: 5 } }));
    assert.ok(action.kind === 'Download');
    assert.equal(action.knownSha256, sha);
    assert.equal(action.maxBytes, 5);
    assert.equal(action.expectedSha256, undefined);
  });

  describe('lets the cache stand in for the source only for the digest this package\'s source served (knownSha256)', () => {
    const other = 'c'.repeat(64);
    const cached = { cached: { sha256: sha, file: 'f', size: 1 } };
    const rows: Array<[string, AppPackage, Partial<AppPackageObservation>, string | undefined]> = [
      ['status.digest, no spec.sha256: its own earlier download', appPackage({ status: downloadedEarlier }), {}, sha],
      ['spec.sha256 equal to status.digest', appPackage({ status: downloadedEarlier, spec: { sha256: sha } }), {}, sha],
      ['spec.sha256 cached by another package, no status.digest: the source is asked', appPackage({ status: {}, spec: { sha256: sha } }), cached, undefined],
      ['spec.sha256 changed from status.digest to one cached by another: the source is asked', appPackage({ status: { digest: `sha256:${other}` }, spec: { sha256: sha } }), cached, undefined],
      ['nothing known', appPackage({ status: {} }), { cached: undefined }, undefined],
    ];
    for (const [name, pkg, o, known] of rows) {
      it(name, () => {
        const action = run(pkg, o);
        assert.ok(action.kind === 'Download');
        assert.equal(action.knownSha256, known);
      });
    }
  });

  it('never lets spec.maxSizeBytes raise the operator\'s --max-package-size', () => {
    const action = run(appPackage({ status: downloadedEarlier, spec: { maxSizeBytes: 10 ** 12 } }));
    assert.ok(action.kind === 'Download');
    assert.equal(action.maxBytes, 1000);
  });

  describe('caps the download at what is left of the Tenant\'s spec.limits.packageBytes', () => {
    const rows: Array<[string, number | undefined, number, number, boolean]> = [
      // name, spec.maxSizeBytes, bytes left → maxBytes, NotPermitted on a package too large
      ['the Tenant\'s bytes below the operator\'s limit cap the download', undefined, 400, 400, true],
      ['spec.maxSizeBytes below the Tenant\'s bytes caps it: too large is the spec\'s refusal', 300, 400, 300, false],
      ['the operator\'s limit below the Tenant\'s bytes caps it', undefined, 5000, 1000, false],
      ['equal to the operator\'s limit: the operator\'s refusal', undefined, 1000, 1000, false],
    ];
    for (const [name, maxSizeBytes, left, maxBytes, tenantCaps] of rows) {
      it(name, () => {
        const action = run(appPackage({ status: {}, spec: maxSizeBytes ? { maxSizeBytes } : {} }), { cached: undefined, budget: { tenant: 'team-a', limit: 9000, left } });
        assert.ok(action.kind === 'Download');
        assert.equal(action.maxBytes, maxBytes);
        assert.equal(action.overBudget !== undefined, tenantCaps);
        if (tenantCaps) assert.match(action.overBudget ?? '', new RegExp(`${left} bytes left of Tenant team-a's spec.limits.packageBytes \\(9000 bytes`));
      });
    }
  });

  it('names the Tenant\'s spec.limits.packageBytes when its bytes are used up', () => {
    assert.deepEqual(run(appPackage({ status: {} }), { cached: undefined, budget: { tenant: 'team-a', limit: 100, left: 0 } }), {
      kind: 'NotPermitted', condition: 'Downloaded',
      message: 'Tenant team-a allows 100 bytes of packages (spec.limits.packageBytes) and its other AppPackages hold them all: delete one or ask an admin to raise the limit',
    });
  });

  it('says what the Tenant refuses', () => {
    assert.deepEqual(run(appPackage(), { permission: refused('namespace tenant is governed by no Tenant') }), { kind: 'NotPermitted', message: 'namespace tenant is governed by no Tenant' });
  });

  it('carries a refused target\'s missing grant, and reads no repository for it', () => {
    const denied = refused('Tenant t does not grant EdgeHost edge-2');
    const action = run(appPackage(), { targets: ['edge-1', 'edge-2'], hosts: [observedHost('edge-1'), observedHost('edge-2', { permission: denied, access: undefined })] });
    assert.ok(action.kind === 'Distribute');
    assert.deepEqual(action.hosts.map((h) => [h.name, h.decision, h.refusal]), [['edge-1', 'Push', undefined], ['edge-2', 'NotPermitted', 'Tenant t does not grant EdgeHost edge-2']]);
    assert.equal(action.hosts[1]?.access, undefined);
  });

  it('withdraws on deletion only from the hosts a refused package was pushed to', () => {
    const denied = refused('no');
    const hosts = [
      observedHost('edge-1', { targeted: false, permission: denied, previous: { ...entry('edge-1', 'Distributed'), chartReference: 'oci://r/c:1' } }),
      observedHost('edge-2', { targeted: false, permission: denied, previous: entry('edge-2', 'Error') }),
    ];
    const action = run(appPackage({ metadata: { deletionTimestamp: deleted(1) } }), { hosts, permission: denied });
    assert.ok(action.kind === 'Withdraw');
    assert.deepEqual(action.hosts.map((h) => [h.name, h.decision]), [['edge-1', 'Remove'], ['edge-2', 'Drop']]);
  });

  it('inspects with the policy defaults and the trusted CA', () => {
    const action = run(appPackage(), { parsed: undefined, trustedCa: { ok: true, value: 'PEM' } });
    assert.deepEqual(action, { kind: 'Inspect', sha256: sha, file: `/cache/${sha}.csar`, inputs: 'inputs', policy: { manifestHashes: 'Warn', signature: 'Skip', trustedCaPem: 'PEM' } });
  });

  it('reports an unreadable trusted CA on Verified, to be retried', () => {
    assert.deepEqual(run(appPackage(), { verification: undefined, trustedCa: { ok: false, message: 'no ca.crt' } }),
      { kind: 'ReportFailure', condition: 'Verified', reason: 'TrustedCASecretInvalid', message: 'no ca.crt', transient: true });
  });

  it('distributes the parsed charts and images with a decision per host', () => {
    const action = run(appPackage({ spec: { images: { mirror: 'Required', insecureRegistries: ['reg:5000'] } } }), withHosts);
    assert.ok(action.kind === 'Distribute');
    assert.deepEqual(action.hosts.map((h) => [h.name, h.decision]), [['edge-1', 'Keep'], ['edge-2', 'Remove']]);
    assert.equal(action.digest, digest);
    assert.deepEqual(action.targets, ['edge-1']);
    assert.deepEqual(action.content.charts.map((c) => `${c.name}:${c.version}`), ['demo:1.2.3']);
    assert.deepEqual(action.content.images, [{ swImage: 'registry.example/demo/demo:1.0' }]);
    assert.equal(action.content.mirror, 'Required');
    assert.deepEqual(action.content.insecureSources, ['reg:5000']);
    assert.equal(action.hosts[0]?.access, undefined, 'a kept host needs no repository');
    assert.equal(action.hosts[1]?.access?.ok, true);
  });

  it('holds a push back when the images\' Secret cannot be read', () => {
    const action = run(appPackage(), { targets: ['edge-1'], hosts: [observedHost('edge-1')], imageCredentials: { ok: false, message: 'no such Secret' } });
    assert.ok(action.kind === 'Distribute');
    assert.deepEqual(action.hosts[0]?.access, { ok: false, message: 'no such Secret' });
  });

  it('withdraws from every host on deletion, with the charts of the parsed package', () => {
    const action = run(appPackage({ metadata: { deletionTimestamp: deleted(1) } }), gone);
    assert.ok(action.kind === 'Withdraw');
    assert.deepEqual(action.hosts.map((h) => [h.name, h.decision]), [['edge-1', 'Remove'], ['edge-2', 'Forget']]);
    assert.deepEqual(action.charts.map((c) => c.name), ['demo']);
  });

  it('withdraws the charts named in status when the package is not parsed in this process', () => {
    const pkg = appPackage({ metadata: { deletionTimestamp: deleted(1) }, status: { digest, charts: [{ name: 'web', version: '2.0' }] } });
    const action = run(pkg, { ...gone, parsed: undefined });
    assert.ok(action.kind === 'Withdraw');
    assert.deepEqual(action.charts, [{ name: 'web', version: '2.0', path: '', sha256: '' }]);
  });

  it('gives up on hosts that did not answer once deletion has waited long enough', () => {
    assert.deepEqual(run(appPackage({ metadata: { deletionTimestamp: deleted(60) } }), gone), { kind: 'ReleaseFinalizer', abandoned: ['edge-1'] });
    assert.equal(run(appPackage({ metadata: { deletionTimestamp: deleted(59) } }), gone).kind, 'Withdraw');
  });
});

describe('AppPackage download source', () => {
  const cases: Array<[string, AppPackage['spec']['source'], Parameters<typeof downloadSourceOf>[1], ReturnType<typeof downloadSourceOf>]> = [
    ['appstore, anonymous', { appstore: { url: 'https://store', appId: 'a', packageId: 'p' } }, undefined,
      { url: 'https://store/mec/appstore/v1/apps/a/packages/p/action/download?isDownloadImage=false', headers: {} }],
    ['http with a token sends it as Bearer', { http: { url: 'https://files/x.csar' } }, { kind: 'Token', token: 't' },
      { url: 'https://files/x.csar', headers: { Authorization: 'Bearer t' } }],
    ['http with username and password sends basic auth', { http: { url: 'https://files/x.csar' } }, { kind: 'Basic', username: 'u', password: 'p' },
      { url: 'https://files/x.csar', headers: { Authorization: `Basic ${Buffer.from('u:p').toString('base64')}` } }],
    ['no source at all', {}, undefined, undefined],
  ];
  for (const [name, source, credentials, expected] of cases) {
    it(name, () => assert.deepEqual(downloadSourceOf(source, credentials), expected));
  }
});
