/**
 * Edge namespace patterns: what a pattern matches, how specifically, which of a Tenant's
 * patterns names a namespace best, the default, and which patterns two Tenants share.
 */
import assert from 'node:assert/strict';
import { bestMatch, edgeNamespacePatterns, matchesPattern, sharedPatterns, specificity } from '../../src/tenancy/patterns.js';
import { tenant } from './builders.js';

describe('tenancy patterns', () => {
  const matches: Array<[string, string, boolean]> = [
    ['team-a-*', 'team-a-web', true],
    ['team-a-*', 'team-a-', true],
    ['team-a-*', 'team-b-web', false],
    ['team-a-*', 'team-a', false],
    ['a-*', 'ab-web', false],
    ['team-a-web', 'team-a-web', true],
    ['team-a-web', 'team-a-web2', false],
    ['team-a-web', 'team-a-we', false],
  ];
  for (const [pattern, namespace, expected] of matches) {
    it(`${pattern} ${expected ? 'matches' : 'does not match'} ${namespace}`, () => {
      assert.equal(matchesPattern(pattern, namespace), expected);
    });
  }

  it('ranks a name over every prefix, and a longer prefix over a shorter one', () => {
    const ranked = ['a-*', 'a-b-*', 'a-b-c-*', 'a-b'].map(specificity);
    assert.deepEqual([...ranked].sort((x, y) => x - y), ranked);
    assert.ok(specificity('a') > specificity(`${'a'.repeat(62)}*`), 'a one-letter name beats the longest prefix');
  });

  // Tenant a holds a-* and a-b-web; which of its patterns names each namespace best.
  const nested = tenant('a', ['ns-a'], { edgeNamespaces: ['a-*', 'a-b-*', 'a-b-web'] });
  const best: Array<[string, string | undefined]> = [
    ['a-web', 'a-*'],
    ['a-b-x', 'a-b-*'],
    ['a-b-web', 'a-b-web'],
    ['b-web', undefined],
  ];
  for (const [namespace, expected] of best) {
    it(`names ${namespace} best by ${expected ?? 'none of its patterns'}`, () => assert.equal(bestMatch(nested, namespace), expected));
  }

  it('defaults to <tenant name>-* when spec.edgeNamespaces is absent or empty', () => {
    assert.deepEqual(edgeNamespacePatterns(tenant('team-a', ['a'])), ['team-a-*']);
    assert.deepEqual(edgeNamespacePatterns(tenant('team-a', ['a'], { edgeNamespaces: [] })), ['team-a-*']);
    assert.equal(bestMatch(tenant('team-a', ['a']), 'team-a-web'), 'team-a-*');
  });

  it('takes spec.edgeNamespaces as they are when given (the default is not added)', () => {
    assert.deepEqual(edgeNamespacePatterns(tenant('team-a', ['a'], { edgeNamespaces: ['shop', 'web-*'] })), ['shop', 'web-*']);
    assert.equal(bestMatch(tenant('team-a', ['a'], { edgeNamespaces: ['shop'] }), 'team-a-web'), undefined);
  });

  const shared: Array<[string, ReturnType<typeof tenant>, ReturnType<typeof tenant>, string[]]> = [
    ['nested defaults (a-* and a-b-*) share nothing: the longer prefix wins', tenant('a', ['x']), tenant('a-b', ['y']), []],
    ['a name under the other\'s prefix shares nothing: the name wins', tenant('a', ['x']), tenant('web', ['y'], { edgeNamespaces: ['a-web'] }), []],
    ['the same prefix is shared', tenant('a', ['x'], { edgeNamespaces: ['shop-*', 'a-*'] }), tenant('b', ['y'], { edgeNamespaces: ['shop-*'] }), ['shop-*']],
    ['a default is shared with a Tenant that spells it out', tenant('a', ['x']), tenant('b', ['y'], { edgeNamespaces: ['a-*'] }), ['a-*']],
    ['the same name is shared', tenant('a', ['x'], { edgeNamespaces: ['web'] }), tenant('b', ['y'], { edgeNamespaces: ['web', 'b-*'] }), ['web']],
  ];
  for (const [what, a, b, expected] of shared) {
    it(`sharedPatterns: ${what}`, () => {
      assert.deepEqual(sharedPatterns(a, b), expected);
      assert.deepEqual(sharedPatterns(b, a), expected);
    });
  }
});
