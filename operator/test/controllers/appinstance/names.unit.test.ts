import assert from 'node:assert/strict';
import type { AppInstance } from '../../../src/api/appinstance.js';
import { releaseNameOf } from '../../../src/controllers/appinstance/names.js';

const instance = (name: string, releaseName?: string): AppInstance => ({
  apiVersion: 'mecm.io/v1alpha1', kind: 'AppInstance', metadata: { name, namespace: 'team' },
  spec: { packageRef: { name: 'pkg' }, hostRef: { name: 'edge-1' }, namespace: 'app', ...(releaseName ? { releaseName } : {}) },
});

describe('AppInstance release name', () => {
  it('is spec.releaseName when set', () => assert.equal(releaseNameOf(instance('web', 'custom')), 'custom'));
  it('is the name when it fits Helm\'s 53 characters', () => assert.equal(releaseNameOf(instance('web')), 'web'));
  it('is cut to 53 characters without a trailing - or . that Helm refuses', () => {
    const name = `${'a'.repeat(50)}-b.-cdef`;
    assert.equal(releaseNameOf(instance(name)), `${'a'.repeat(50)}-b`);
    assert.equal(releaseNameOf(instance('x'.repeat(60))), 'x'.repeat(53));
  });
});
