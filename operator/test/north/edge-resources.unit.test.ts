/**
 * North's reads of an instance's Pods and Services: kept per instance for a while, one at a time,
 * an answer never waiting past the deadline (the read goes on and serves the next poll), a failed
 * read answered as unknown; and the container plugin's shape made of them.
 */
import assert from 'node:assert/strict';
import type { AppInstance } from '../../src/api/appinstance.js';
import type { ReleaseResources } from '../../src/lcm/plugin.js';
import { TimedEdgeResources } from '../../src/north/edge-resources.js';
import { containerStatus } from '../../src/north/routes/lcm-instances.js';
import { testLogger } from '../support/logger.js';

const instance = (uid: string, release = 'shop'): AppInstance => ({
  apiVersion: 'mecm.io/v1alpha1', kind: 'AppInstance', metadata: { name: 'lcm-1', namespace: 'team', uid },
  spec: { packageRef: { name: 'p' }, hostRef: { name: 'h' }, namespace: 'team-shop' },
  status: { ...(release ? { release: { name: release } } : {}), workloads: { ready: 2, desired: 2 } },
});
const shop: ReleaseResources = {
  pods: [{ name: 'shop-web-1', phase: 'Running', containers: [{ name: 'web', ready: true }, { name: 'sidecar', ready: false }] }],
  services: [
    { name: 'shop-db', type: 'ClusterIP', ports: [{ protocol: 'TCP', port: 5432, targetPort: '5432' }] },
    { name: 'shop-web', type: 'NodePort', ports: [{ protocol: 'TCP', port: 9000, targetPort: 'metrics' }, { name: 'http', protocol: 'TCP', port: 80, targetPort: '8080', nodePort: 30080 }] },
  ],
};

/** A read the test answers by hand, counting calls. */
function manualRead() {
  const pending: Array<(r: ReleaseResources) => void> = [];
  let calls = 0;
  return {
    get calls() { return calls; },
    answer: (r: ReleaseResources) => pending.shift()!(r),
    read: () => {
      calls++;
      return new Promise<ReleaseResources>((resolve) => pending.push(resolve));
    },
  };
}

describe('North edge resources', () => {
  it('reads once for concurrent polls, keeps the answer for ttlMs, then reads again', async () => {
    let now = 0;
    const manual = manualRead();
    const edge = new TimedEdgeResources({ read: manual.read, log: testLogger(), ttlMs: 5_000, deadlineMs: 60_000, now: () => now });
    const [a, b] = [edge.of(instance('u1')), edge.of(instance('u1'))];
    manual.answer(shop);
    assert.deepEqual(await a, shop);
    assert.deepEqual(await b, shop);
    now = 4_999;
    assert.deepEqual(await edge.of(instance('u1')), shop);
    assert.equal(manual.calls, 1);
    now = 5_000;
    const again = edge.of(instance('u1'));
    manual.answer({ pods: [], services: [] });
    assert.deepEqual(await again, { pods: [], services: [] });
    assert.equal(manual.calls, 2);
  });

  it('answers unknown past the deadline, and the late read serves the next poll', async () => {
    const manual = manualRead();
    const edge = new TimedEdgeResources({ read: manual.read, log: testLogger(), deadlineMs: 20 });
    assert.equal(await edge.of(instance('u2')), undefined, 'the edge did not answer in time');
    manual.answer(shop);
    assert.deepEqual(await edge.of(instance('u2')), shop);
    assert.equal(manual.calls, 1);
  });

  it('answers unknown for a failed read and for an instance without a release, which is not read', async () => {
    let calls = 0;
    const edge = new TimedEdgeResources({ read: async () => { calls++; throw new Error('edge down'); }, log: testLogger() });
    assert.equal(await edge.of(instance('u3')), undefined);
    assert.equal(await edge.of(instance('u4', '')), undefined);
    assert.equal(calls, 1);
  });

  it('shows the edge\'s pods with the instance\'s word and the services with a node port, ports with one first', () => {
    assert.deepEqual(containerStatus(instance('u5'), 'Running', shop), {
      pods: [{ podstatus: 'Running', podname: 'shop-web-1', containers: [{ containername: 'web' }, { containername: 'sidecar' }] }],
      services: [{ serviceName: 'shop-web', type: 'NodePort', ports: [{ port: '80', targetPort: '8080', nodePort: '30080', protocol: 'TCP', name: 'http' }] }],
    });
  });

  it('makes one pod per workload of the status when the edge was not read, or runs none', () => {
    const unread = { pods: [{ podstatus: 'Pending', podname: 'shop-0', containers: [] }, { podstatus: 'Pending', podname: 'shop-1', containers: [] }], services: [] };
    assert.deepEqual(containerStatus(instance('u6'), 'Pending', undefined), unread);
    assert.deepEqual(containerStatus(instance('u6'), 'Pending', { pods: [], services: [] }), unread);
  });
});
