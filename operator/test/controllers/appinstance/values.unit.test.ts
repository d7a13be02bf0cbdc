/** The Helm values of an AppInstance as tables: deep merge, dotted paths, the EdgeGallery conventions and the release digest. */
import assert from 'node:assert/strict';
import { atPath, buildValues, deepMerge, releaseDigest, type Values, type ValuesInput } from '../../../src/controllers/appinstance/values.js';

describe('AppInstance values', function () {
  describe('deepMerge', function () {
    const cases: Array<[string, Values, Values, Values]> = [
      ['adds keys', { a: 1 }, { b: 2 }, { a: 1, b: 2 }],
      ['the later value wins for scalars', { a: 1 }, { a: 2 }, { a: 2 }],
      ['merges maps key by key, at every depth', { a: { b: 1, c: { d: 1 } } }, { a: { c: { e: 2 } } }, { a: { b: 1, c: { d: 1, e: 2 } } }],
      ['replaces lists instead of merging them', { a: [1, 2] }, { a: [3] }, { a: [3] }],
      ['a scalar replaces a map', { a: { b: 1 } }, { a: 'x' }, { a: 'x' }],
      ['a map replaces a scalar', { a: 'x' }, { a: { b: 1 } }, { a: { b: 1 } }],
      ['a list replaces a map, not merged into it', { a: { b: 1 } }, { a: [1] }, { a: [1] }],
      ['null replaces (as helm unsets a key)', { a: { b: 1 } }, { a: null }, { a: null }],
      ['an empty override changes nothing', { a: { b: 1 } }, {}, { a: { b: 1 } }],
    ];
    for (const [name, base, over, expected] of cases) {
      it(name, function () {
        const before = JSON.stringify(base);
        assert.deepEqual(deepMerge(base, over), expected);
        assert.equal(JSON.stringify(base), before, 'the base is not changed');
      });
    }
  });

  describe('atPath', function () {
    const cases: Array<[string, string, unknown, Values]> = [
      ['one key', 'password', 's3cret', { password: 's3cret' }],
      ['a dotted path nests maps', 'db.auth.password', 's3cret', { db: { auth: { password: 's3cret' } } }],
      ['keeps the value as it is (a document stays text)', 'config.file', 'a: 1\nb: 2\n', { config: { file: 'a: 1\nb: 2\n' } }],
      ['an object value', 'a.b', { c: 1 }, { a: { b: { c: 1 } } }],
    ];
    for (const [name, path, value, expected] of cases) {
      it(name, () => assert.deepEqual(atPath(path, value), expected));
    }
  });

  describe('buildValues', function () {
    const input: ValuesInput = {
      namespace: 'edge-ns', appInstanceId: '0a1b2c3d-0000-4000-8000-000000000000',
      aksk: { accessKey: 'AK', secretKey: 'SK', secretName: 'mecm-aksk-0a1b2c3d' },
      imageLocation: { domainName: '10.0.0.1:5000/prefix', project: 'mecm' },
      fromReferences: [], specValues: undefined,
    };
    const conventions = {
      appconfig: { appnamespace: 'edge-ns', aksk: { appInsId: input.appInstanceId, accesskey: 'AK', secretkey: 'SK', secretname: 'mecm-aksk-0a1b2c3d' } },
      imagelocation: { domainname: '10.0.0.1:5000/prefix', project: 'mecm' },
    };
    const cases: Array<[string, Partial<ValuesInput>, Values]> = [
      ['EdgeGallery\'s conventions alone', {}, conventions],
      ['no image location when no image was mirrored', { imageLocation: undefined }, { appconfig: conventions.appconfig }],
      ['valuesFrom in order, later wins', { fromReferences: [{ a: 1, b: { c: 1 } }, { b: { c: 2 } }] }, { ...conventions, a: 1, b: { c: 2 } }],
      ['spec.values on top of valuesFrom', { fromReferences: [{ a: 1 }], specValues: { a: 2 } }, { ...conventions, a: 2 }],
      ['the user may override a convention', { specValues: { appconfig: { appnamespace: 'other' } } },
        { ...conventions, appconfig: { ...conventions.appconfig, appnamespace: 'other' } }],
    ];
    for (const [name, over, expected] of cases) {
      it(name, () => assert.deepEqual(buildValues({ ...input, ...over }), expected));
    }
  });

  it('digests chart and values independently of key order', function () {
    const digest = releaseDigest('oci://r/c:1', { a: 1, b: { c: 2, d: 3 } });
    assert.match(digest, /^sha256:[0-9a-f]{64}$/);
    assert.equal(releaseDigest('oci://r/c:1', { b: { d: 3, c: 2 }, a: 1 }), digest);
    assert.notEqual(releaseDigest('oci://r/c:2', { a: 1, b: { c: 2, d: 3 } }), digest, 'another chart');
    assert.notEqual(releaseDigest('oci://r/c:1', { a: 2, b: { c: 2, d: 3 } }), digest, 'other values');
  });
});
