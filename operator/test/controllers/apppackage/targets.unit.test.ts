import assert from 'node:assert/strict';
import type { AppPackage } from '../../../src/api/apppackage.js';
import type { EdgeHost } from '../../../src/api/edgehost.js';
import { targetHosts } from '../../../src/controllers/apppackage/targets.js';
import { matchesSelector } from '../../../src/runtime/selector.js';
import { appPackage } from './fixtures.js';

type Selector = Parameters<typeof matchesSelector>[1];

describe('AppPackage matchesSelector (metav1.LabelSelector)', () => {
  const labels = { zone: 'east', tier: 'gold' };
  const cases: Array<[string, Selector, boolean]> = [
    ['the empty selector matches everything', {}, true],
    ['matchLabels equal', { matchLabels: { zone: 'east' } }, true],
    ['matchLabels all must hold', { matchLabels: { zone: 'east', tier: 'silver' } }, false],
    ['matchLabels on a missing label', { matchLabels: { rack: '1' } }, false],
    ['In with the value', { matchExpressions: [{ key: 'zone', operator: 'In', values: ['west', 'east'] }] }, true],
    ['In without the value', { matchExpressions: [{ key: 'zone', operator: 'In', values: ['west'] }] }, false],
    ['In on a missing label', { matchExpressions: [{ key: 'rack', operator: 'In', values: ['1'] }] }, false],
    ['NotIn with another value', { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['west'] }] }, true],
    ['NotIn with the value', { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['east'] }] }, false],
    ['NotIn on a missing label', { matchExpressions: [{ key: 'rack', operator: 'NotIn', values: ['1'] }] }, true],
    ['Exists', { matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, true],
    ['Exists on a missing label', { matchExpressions: [{ key: 'rack', operator: 'Exists' }] }, false],
    ['DoesNotExist', { matchExpressions: [{ key: 'rack', operator: 'DoesNotExist' }] }, true],
    ['DoesNotExist on a present label', { matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, false],
    ['labels and expressions together', { matchLabels: { tier: 'gold' }, matchExpressions: [{ key: 'zone', operator: 'In', values: ['east'] }] }, true],
    ['a key Object has is no label', { matchExpressions: [{ key: 'constructor', operator: 'DoesNotExist' }, { key: 'toString', operator: 'NotIn', values: ['x'] }] }, true],
    ['every expression must hold', { matchExpressions: [{ key: 'zone', operator: 'Exists' }, { key: 'tier', operator: 'In', values: ['silver'] }] }, false],
  ];
  for (const [name, selector, expected] of cases) {
    it(name, () => assert.equal(matchesSelector(labels, selector), expected));
  }
});

describe('AppPackage targetHosts', () => {
  const host = (name: string, labels: Record<string, string> = {}): EdgeHost => ({
    apiVersion: 'mecm.io/v1alpha1', kind: 'EdgeHost', metadata: { name, labels },
    spec: { infrastructure: { type: 'kubernetes' }, repository: { url: `oci://${name}.example` } },
  } as EdgeHost);
  const hosts = [host('edge-b', { zone: 'east' }), host('edge-a', { zone: 'east' }), host('edge-c', { zone: 'west' })];
  const targets = (distribution: AppPackage['spec']['distribution']) => targetHosts(appPackage({ spec: { distribution } }), hosts);
  const cases: Array<[string, AppPackage['spec']['distribution'], string[]]> = [
    ['no distribution targets nothing', undefined, []],
    ['an absent selector selects nothing', { hostNames: [] }, []],
    ['the empty selector selects every host, sorted', { hostSelector: {} }, ['edge-a', 'edge-b', 'edge-c']],
    ['a selector picks by labels', { hostSelector: { matchLabels: { zone: 'east' } } }, ['edge-a', 'edge-b']],
    ['names add to the selection, once each', { hostSelector: { matchLabels: { zone: 'east' } }, hostNames: ['edge-c', 'edge-a'] }, ['edge-a', 'edge-b', 'edge-c']],
    ['a named host that does not exist is still a target', { hostNames: ['edge-z'] }, ['edge-z']],
  ];
  for (const [name, distribution, expected] of cases) {
    it(name, () => assert.deepEqual(targets(distribution), expected));
  }
});
