/** Builders of AppRules, EdgeHosts and MEP tasks for the AppRule controller's unit tests. */
import type { AppRule, AppRuleSpec, AppRuleStatus } from '../../../src/api/apprule.js';
import type { EdgeHost } from '../../../src/api/edgehost.js';
import type { MepTask } from '../../../src/mep/types.js';
import { dnsRule, trafficRule } from '../../fixtures/mep.js';

export function appRule(options: { spec?: Partial<AppRuleSpec>; status?: AppRuleStatus; deleting?: boolean; metadata?: Partial<AppRule['metadata']> } = {}): AppRule {
  return {
    apiVersion: 'mecm.io/v1alpha1', kind: 'AppRule',
    metadata: {
      name: 'web', namespace: 'apps', uid: 'uid-web', generation: 3, finalizers: ['mecm.io/apprule-cleanup'],
      ...(options.deleting ? { deletionTimestamp: '2026-11-27T10:00:00Z' } : {}),
      ...options.metadata,
    },
    spec: {
      hostRef: { name: 'edge-1' }, appInstanceId: 'inst-web', appName: 'web',
      appTrafficRule: [trafficRule('tr-1')], appDNSRule: [dnsRule('dns-1', 'web.mec.example')],
      ...options.spec,
    },
    ...(options.status ? { status: options.status } : {}),
  };
}

export function edgeHost(mep: EdgeHost['spec']['mep']): EdgeHost {
  return {
    apiVersion: 'mecm.io/v1alpha1', kind: 'EdgeHost', metadata: { name: 'edge-1' },
    spec: {
      infrastructure: { type: 'kubernetes', kubeconfigSecretRef: { name: 'kubeconfig', namespace: 'apps' } },
      repository: { url: 'oci://registry.edge-1.example', insecure: false },
      ...(mep ? { mep } : {}),
    },
  };
}

export function mepTask(configResult: MepTask['configResult'], detailed?: string): MepTask {
  return { taskId: `task-${configResult.toLowerCase()}`, appInstanceId: 'inst-web', configResult, configPhase: configResult === 'SUCCESS' ? '100' : '0', ...(detailed ? { detailed } : {}) };
}
