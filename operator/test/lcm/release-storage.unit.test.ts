/**
 * Reading Helm's storage Secrets without helm: the latest revision from labels, the body as
 * helm writes it (base64 of gzipped JSON, base64 again on the wire), hostile bodies refused as
 * Failed; and when the edge cache has caught up with what the API said after a change.
 */
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { caughtUp } from '../../src/lcm/kubernetes/edge-cache.js';
import { decodeRelease, latestRevision, maxReleaseBytes, storageSecretName } from '../../src/lcm/kubernetes/release-storage.js';
import { LcmError, ownerUidLabel } from '../../src/lcm/plugin.js';
import type { KubeObject } from '../../src/runtime/kube/resource.js';

const secret = (revision: number, resourceVersion: string, labels: Record<string, string> = {}): KubeObject => ({
  metadata: { name: storageSecretName('web', revision), namespace: 'ns', resourceVersion, labels: { owner: 'helm', name: 'web', version: String(revision), ...labels } },
});

/** `data.release` as the API returns it for a release helm stored. */
const wire = (release: unknown) => Buffer.from(gzipSync(Buffer.from(JSON.stringify(release))).toString('base64')).toString('base64');

const helmRelease = {
  name: 'web', namespace: 'ns', version: 3,
  info: { status: 'deployed', last_deployed: '2026-12-01T10:00:00Z' },
  chart: { metadata: { name: 'lcmdemo', version: '0.2.0', appVersion: 'app-0.2.0' }, templates: [] },
  manifest: '---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: other}\n',
};

describe('Helm release storage', function () {
  it('takes the highest version label as the latest revision, with its owner; skips Secrets being deleted or unlabelled', function () {
    const latest = latestRevision([
      secret(2, '20', { [ownerUidLabel]: 'uid-2' }), secret(10, '30', { [ownerUidLabel]: 'uid-10' }), secret(9, '25'),
      { metadata: { ...secret(11, '40').metadata, deletionTimestamp: '2026-12-01T00:00:00Z' } },
      { metadata: { name: 'junk', labels: { owner: 'helm', name: 'web', version: 'x' } } },
    ]);
    assert.deepEqual(latest, { secretName: 'sh.helm.release.v1.web.v10', revision: 10, resourceVersion: '30', ownerUid: 'uid-10' });
    assert.equal(latestRevision([]), undefined);
  });

  it('decodes what helm stores: state, chart, version and the manifest objects, namespaced by the release', function () {
    const revision = { secretName: 'sh.helm.release.v1.web.v3', revision: 3, resourceVersion: '7', ownerUid: 'u' };
    const stored = decodeRelease(wire(helmRelease), revision, 'ns');
    assert.deepEqual(stored.release, {
      exists: true, name: 'web', namespace: 'ns', revision: 3, status: 'deployed', chart: 'lcmdemo', chartVersion: '0.2.0',
      appVersion: 'app-0.2.0', updated: '2026-12-01T10:00:00Z', ownerUid: 'u',
    });
    assert.deepEqual(stored.objects.map((o) => `${o.kind}/${o.namespace}/${o.name}`), ['Deployment/ns/web', 'Service/other/web']);
  });

  it('refuses bodies that are not a release, or inflate past the limit, as Failed naming the Secret', function () {
    const revision = { secretName: 'sh.helm.release.v1.web.v1', revision: 1, resourceVersion: '1' };
    const bomb = Buffer.from(gzipSync(Buffer.alloc(maxReleaseBytes + 1024, 0x20)).toString('base64')).toString('base64');
    for (const [data, why] of [[undefined, /no release data/], ['%%%', /not gzipped JSON/], [wire({ hello: 1 }), /not a Helm release/], [bomb, /inflates past/]] as const) {
      assert.throws(() => decodeRelease(data, revision, 'ns'), (e: unknown) => e instanceof LcmError && e.kind === 'Failed' && why.test(e.message) && e.message.includes('ns/sh.helm.release.v1.web.v1'));
    }
  });

  describe('caughtUp', function () {
    const snapshot = { items: [secret(1, '10'), secret(2, '12')], resourceVersion: '15' };

    it('holds once the cache has every listed Secret at its version or later, and nothing older the read did not list', function () {
      assert.equal(caughtUp([secret(1, '10'), secret(2, '12')], snapshot), true);
      assert.equal(caughtUp([secret(1, '10'), secret(2, '13')], snapshot), true);
      assert.equal(caughtUp([secret(1, '10'), secret(2, '12'), secret(3, '16')], snapshot), true, 'a revision newer than the read');
    });

    it('does not hold while the cache lags: a revision missing or older, or one the read no longer listed (uninstalled)', function () {
      assert.equal(caughtUp([secret(1, '10')], snapshot), false);
      assert.equal(caughtUp([secret(1, '10'), secret(2, '11')], snapshot), false);
      assert.equal(caughtUp([secret(1, '10')], { items: [], resourceVersion: '15' }), false);
      assert.equal(caughtUp([], { items: [], resourceVersion: '15' }), true);
    });

    it('never holds on resourceVersions that are not numbers (the fence then waits out its time)', function () {
      assert.equal(caughtUp([secret(1, 'abc')], { items: [secret(1, 'abc')], resourceVersion: 'abc' }), false);
    });
  });
});
