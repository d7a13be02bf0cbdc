import assert from 'node:assert/strict';
import type { EdgeHost } from '../../../src/api/edgehost.js';
import { addressesOf, othersAtAddress } from '../../../src/controllers/edgehost/addresses.js';

const host = (name: string, address?: string): EdgeHost => ({
  apiVersion: 'mecm.io/v1alpha1', kind: 'EdgeHost', metadata: { name },
  spec: { ...(address ? { address } : {}), infrastructure: { type: 'kubernetes' }, repository: { url: 'oci://r' } },
});

describe('EdgeHost addresses', () => {
  it('indexes a host by its address, and a host without one nowhere', () => {
    assert.deepEqual(addressesOf(host('a', '192.0.2.1')), ['192.0.2.1']);
    assert.deepEqual(addressesOf(host('a')), []);
  });

  it('names the other hosts with the same address, sorted, and no one for a host alone at it or without one', () => {
    const atAddress = [host('c', '192.0.2.1'), host('a', '192.0.2.1'), host('b', '192.0.2.1')];
    assert.deepEqual(othersAtAddress(atAddress[1]!, atAddress), ['b', 'c']);
    assert.deepEqual(othersAtAddress(host('a', '192.0.2.1'), [host('a', '192.0.2.1')]), []);
    assert.deepEqual(othersAtAddress(host('a'), atAddress), []);
    assert.deepEqual(othersAtAddress(host('a', '192.0.2.9'), atAddress), [], 'hosts at another address (an index read before a change) are not counted');
  });
});
