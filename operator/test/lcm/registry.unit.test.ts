/** The LCM plugin registry: a keyed dispatcher that names what it supports when nothing matches. */
import assert from 'node:assert/strict';
import { LcmPluginRegistry, UnsupportedInfrastructure } from '../../src/lcm/registry.js';
import type { LcmPlugin } from '../../src/lcm/plugin.js';
import { KubernetesPlugin } from '../../src/lcm/kubernetes/plugin.js';

describe('LcmPluginRegistry', function () {
  const kubernetes = new KubernetesPlugin({ helmBinary: '/nonexistent/helm' });
  after(() => kubernetes.close());

  it('returns the plugin of a registered infrastructure type', function () {
    const registry = new LcmPluginRegistry([kubernetes]);
    assert.equal(registry.get('kubernetes'), kubernetes);
    assert.deepEqual(registry.resolve('kubernetes'), { ok: true, plugin: kubernetes });
    assert.deepEqual(registry.supported(), ['kubernetes']);
  });

  it('answers openstack with UnsupportedInfrastructure naming the type and the supported ones', function () {
    const registry = new LcmPluginRegistry([kubernetes]);
    assert.throws(() => registry.get('openstack'), (error: unknown) => {
      assert.ok(error instanceof UnsupportedInfrastructure);
      assert.equal(error.type, 'openstack');
      assert.deepEqual(error.supported, ['kubernetes']);
      assert.match(error.message, /"openstack" has no LCM plugin in this operator; supported: kubernetes\./);
      return true;
    });
    const resolved = registry.resolve('openstack');
    assert.ok(!resolved.ok && resolved.error instanceof UnsupportedInfrastructure);
    assert.throws(() => new LcmPluginRegistry().get('kubernetes'), /supported: none\./);
  });

  it('refuses a second plugin for the same type', function () {
    const registry = new LcmPluginRegistry([kubernetes]);
    const other = { type: 'kubernetes' } as Pick<LcmPlugin, 'type'> as LcmPlugin;
    assert.throws(() => registry.register(other), /already registered/);
  });
});
