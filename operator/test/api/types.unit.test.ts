import assert from 'node:assert/strict';
import type { AppInstance } from '../../src/api/appinstance.js';
import type { AppPackageStatus } from '../../src/api/apppackage.js';
import type { AppRuleSpec } from '../../src/api/apprule.js';
import type { EdgeHostSpec } from '../../src/api/edgehost.js';
import type { TrafficRule } from '../../src/api/rules.js';

// These types are inferred from the same TypeBox objects the CRD YAML is generated from; this
// file fails to compile (npm run typecheck) if inference degrades to `unknown` or loses a union.
describe('API types inferred from the schemas', () => {
  it('type the fields a controller reads, with closed unions for enums', () => {
    const rule: TrafficRule = {
      trafficRuleId: 'r1', filterType: 'FLOW', priority: 1,
      trafficFilter: [{ dstAddress: ['192.0.2.0/24'], dstPort: ['80'], qCI: 1 }],
      action: 'FORWARD_AS_IS',
      dstInterface: [{ interfaceType: 'IP', dstIpAddress: '192.0.2.1' }],
    };
    // @ts-expect-error filterType is a closed union
    const wrongFilter: TrafficRule['filterType'] = 'BOGUS';
    const spec: AppRuleSpec = { hostRef: { name: 'edge-1' }, appInstanceId: 'a1', appName: 'app', appTrafficRule: [rule] };
    const host: EdgeHostSpec['infrastructure'] = { type: 'kubernetes', kubeconfigSecretRef: { name: 'k', namespace: 'mecm-system' } };
    const status: AppPackageStatus = { hosts: [{ name: 'edge-1', state: 'Distributed' }], distributed: '1/1' };
    const instance: AppInstance = {
      apiVersion: 'mecm.io/v1alpha1', kind: 'AppInstance', metadata: { name: 'x' },
      spec: { packageRef: { name: 'p' }, hostRef: { name: 'edge-1' }, namespace: 'apps', values: { a: { b: 1 } }, inputs: { k: 'v' } },
      status: { operationalState: 'STARTED', lastOperation: { operationType: 'INSTANTIATE', operationState: 'COMPLETED', startTime: 't', stateEnteredTime: 't' } },
    };
    assert.equal(spec.appTrafficRule?.[0]?.priority, 1);
    assert.equal(host.kubeconfigSecretRef?.namespace, 'mecm-system');
    assert.equal(status.hosts?.[0]?.state, 'Distributed');
    assert.equal(instance.status?.operationalState, 'STARTED');
    assert.equal(wrongFilter, 'BOGUS');
  });
});
