import assert from 'node:assert/strict';
import { appstoreHeaders, httpHeaders, packageDownload, type SourceCredentials } from '../../src/appstore/client.js';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('Appstore client', () => {
  const downloads: Array<[string, string, string]> = [
    ['a base URL', 'https://store.example', 'https://store.example/mec/appstore/v1/apps/app1/packages/pkg1/action/download?isDownloadImage=false'],
    ['a trailing slash', 'https://store.example/', 'https://store.example/mec/appstore/v1/apps/app1/packages/pkg1/action/download?isDownloadImage=false'],
    ['a path prefix (behind a gateway)', 'http://gw:8080/appstore//', 'http://gw:8080/appstore/mec/appstore/v1/apps/app1/packages/pkg1/action/download?isDownloadImage=false'],
  ];
  for (const [name, url, expected] of downloads) {
    it(`downloads from ${name}`, () => assert.equal(packageDownload({ url, appId: 'app1', packageId: 'pkg1' }).url, expected));
  }

  const headers: Array<[string, SourceCredentials | undefined, Record<string, string>, Record<string, string>]> = [
    // credentials → appstore headers, plain HTTP(S) headers
    ['anonymous', undefined, {}, {}],
    ['a token', { kind: 'Token', token: 'jwt' }, { access_token: 'jwt' }, { Authorization: 'Bearer jwt' }],
    ['username and password', { kind: 'Basic', username: 'u', password: 'p:w' }, { Authorization: basic('u', 'p:w') }, { Authorization: basic('u', 'p:w') }],
  ];
  for (const [name, credentials, appstore, http] of headers) {
    it(`sends ${name} as the appstore and a plain URL expect`, () => {
      assert.deepEqual(appstoreHeaders(credentials), appstore);
      assert.deepEqual(httpHeaders(credentials), http);
      assert.deepEqual(packageDownload({ url: 'https://s', appId: 'a', packageId: 'p' }, credentials).headers, appstore);
    });
  }
});
