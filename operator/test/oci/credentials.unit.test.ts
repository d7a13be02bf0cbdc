/** Registry credentials by host, with docker config.json semantics: never another host's. */
import assert from 'node:assert/strict';
import { credentialsFor, parseDockerConfig } from '../../src/oci/credentials.js';

describe('Registry credentials by host', () => {
  const store = parseDockerConfig(JSON.stringify({
    auths: {
      'registry.example:5000': { username: 'robot', password: 'pw-1' },
      'https://index.docker.io/v1/': { auth: Buffer.from('hub-user:pw:with:colons').toString('base64') },
      'https://Mirror.Example/v2/': { username: 'm', password: 'pw-3' },
    },
  }));

  const cases: Array<[string, { username: string; password: string } | undefined]> = [
    ['registry.example:5000', { username: 'robot', password: 'pw-1' }],
    ['registry.example', undefined],
    ['registry.example:5001', undefined],
    ['evil.example', undefined],
    ['registry.example:5000.evil.example', undefined],
    ['docker.io', { username: 'hub-user', password: 'pw:with:colons' }],
    ['registry-1.docker.io', { username: 'hub-user', password: 'pw:with:colons' }],
    ['mirror.example', { username: 'm', password: 'pw-3' }],
  ];
  for (const [host, expected] of cases) {
    it(`${host} gets ${expected ? `the entry of ${host}` : 'nothing'}`, () => assert.deepEqual(credentialsFor(store, host), expected));
  }

  it('refuses what is not a config.json, naming no secret', () => {
    assert.throws(() => parseDockerConfig('{'), /not JSON/);
    assert.throws(() => parseDockerConfig('{"username":"u","password":"p"}'), /no "auths" map/);
    assert.throws(() => parseDockerConfig('{"auths":{"r.example":{"auth":"bm9jb2xvbg=="}}}'), (e: Error) => /not base64 of user:password/.test(e.message) && !e.message.includes('nocolon'));
    assert.throws(() => parseDockerConfig('{"auths":{"r.example":{"identitytoken":"x"}}}'), /neither username and password nor auth/);
  });
});
