/** Registry credentials by host (docker config.json semantics: never another host's), and where a package lives in an edge repository. */
import assert from 'node:assert/strict';
import { credentialsFor, parseDockerConfig } from '../../src/oci/credentials.js';
import { chartRepository, imageDomain, imageTarget, repositoryLocation } from '../../src/oci/layout.js';

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

describe('Edge repository layout', () => {
  const location = repositoryLocation({ url: 'oci://edge.example:5000/site-1', insecure: true });

  it('puts everything of a package under its own prefix', () => {
    const pkg = { namespace: 'team-a', name: 'web' };
    assert.equal(chartRepository(location, 'team-a', 'web', 'Web'), 'site-1/mecm/team-a/web/web');
    assert.equal(imageTarget(location, pkg, 'registry.example/library/nginx:1.27').repository, 'site-1/mecm/team-a/web/images/library/nginx');
    assert.equal(imageDomain(location, pkg), 'edge.example:5000/site-1/mecm/team-a/web/images');
  });

  it('never lets two packages share a path, whatever their names', () => {
    const places = [{ namespace: 'a-b', name: 'c' }, { namespace: 'a', name: 'b-c' }, { namespace: 'a', name: 'b' }, { namespace: 'team-b', name: 'web' }];
    const prefixes = places.map((p) => imageTarget(location, p, 'r.example/x/y:1').repository);
    assert.equal(new Set(prefixes).size, places.length);
  });

  it('keeps a digest-pinned image pinned', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    assert.equal(imageTarget(location, { namespace: 'n', name: 'p' }, `r.example/x:1.0@${digest}`).tag, digest);
  });
});
