/** The one rule for Secrets an EdgeHost names: in the operator's namespace, or refused unread. */
import assert from 'node:assert/strict';
import { edgeHostSecretKey, edgeHostSecretRef, readEdgeHostSecretKey, type SecretObject } from '../../src/controllers/secrets.js';
import type { ResourceClient } from '../../src/runtime/kube/resource-client.js';

describe('EdgeHost Secret references', () => {
  const cases: Array<[string, { name: string; namespace?: string; key?: string }, object]> = [
    ['an omitted namespace is the operator\'s', { name: 'edge-1' }, { ok: true, ref: { name: 'edge-1', namespace: 'mecm-system' } }],
    ['the operator\'s namespace is allowed, the key kept', { name: 'edge-1', namespace: 'mecm-system', key: 'config' },
      { ok: true, ref: { name: 'edge-1', namespace: 'mecm-system', key: 'config' } }],
    ['another namespace is refused, naming where the Secret must be', { name: 'edge-1', namespace: 'tenant-a' }, {
      ok: false, problem: 'NamespaceNotAllowed',
      message: 'Secret tenant-a/edge-1 is outside the operator\'s namespace: EdgeHost Secrets must be in namespace mecm-system; move the Secret there and set the reference\'s namespace to mecm-system (or omit it).',
    }],
    ['kube-system is no exception', { name: 'admin', namespace: 'kube-system' }, { ok: false, problem: 'NamespaceNotAllowed' }],
  ];
  for (const [name, ref, expected] of cases) {
    it(name, () => {
      const result = edgeHostSecretRef(ref, 'mecm-system');
      assert.deepEqual(Object.fromEntries(Object.keys(expected).map((k) => [k, (result as Record<string, unknown>)[k]])), expected);
    });
  }

  it('keys a reference by the namespace it resolves to', () => {
    assert.equal(edgeHostSecretKey({ name: 'a' }, 'mecm-system'), 'mecm-system/a');
    assert.equal(edgeHostSecretKey({ name: 'a', namespace: 'other' }, 'mecm-system'), 'other/a');
  });

  it('never asks the API server for a refused Secret', async () => {
    const secrets = { get: () => assert.fail('a refused Secret must not be read') } as unknown as ResourceClient<SecretObject>;
    const read = await readEdgeHostSecretKey(secrets, { name: 'edge-1', namespace: 'tenant-a' }, 'kubeconfig', 'mecm-system');
    assert.equal(read.ok, false);
    assert.equal(!read.ok && read.problem, 'NamespaceNotAllowed');
  });
});
