/**
 * For each kind: a status a controller could write, and the `kubectl get` line it must give,
 * so the printer columns' JSONPaths are checked against real output (AGE left out).
 */
import type { AppDeploymentStatus } from '../../src/api/appdeployment.js';
import type { AppInstanceStatus } from '../../src/api/appinstance.js';
import type { AppPackageStatus } from '../../src/api/apppackage.js';
import type { AppRuleStatus } from '../../src/api/apprule.js';
import type { EdgeHostStatus } from '../../src/api/edgehost.js';
import type { NotificationSubscriptionStatus } from '../../src/api/notificationsubscription.js';
import type { TenantStatus } from '../../src/api/tenant.js';
import type { Condition } from '../../src/api/schema/meta.js';
import type { SampleKind } from '../fixtures/samples.js';

/** One row of the printer-column table. */
export interface PrinterCase {
  readonly kind: SampleKind;
  readonly shortName: string;
  readonly status: EdgeHostStatus | TenantStatus | AppPackageStatus | AppInstanceStatus | AppRuleStatus | NotificationSubscriptionStatus | AppDeploymentStatus;
  readonly header: readonly string[];
  /** The values after NAME, up to AGE. */
  readonly row: readonly string[];
}

const at = '2026-01-02T03:04:05Z';

function condition(type: string, status: Condition['status'], reason: string): Condition {
  return { type, status, reason, message: `${type} is ${status}.`, lastTransitionTime: at, observedGeneration: 1 };
}

/** One case per kind, in install order. */
export const printerCases: readonly PrinterCase[] = [
  {
    kind: 'EdgeHost', shortName: 'eh',
    status: {
      observedGeneration: 1,
      conditions: [condition('Ready', 'True', 'Probed'), condition('Reachable', 'True', 'Probed')],
      kubernetesVersion: 'v1.36.3', nodeCount: 3, appInstanceCount: 2,
      capacity: { cpu: '12', memory: '48Gi' }, allocatable: { cpu: '11500m', memory: '46Gi' },
      lastContactTime: at, lastProbeTime: at,
    },
    header: ['NAME', 'CITY', 'READY', 'VERSION', 'NODES', 'APPS', 'AGE'],
    row: ["Xi'an", 'True', 'v1.36.3', '3', '2'],
  },
  {
    kind: 'Tenant', shortName: 'tn',
    status: {
      observedGeneration: 1,
      conditions: [condition('Conflicting', 'False', 'NoConflicts'), condition('Ready', 'True', 'GrantInForce')],
      namespaces: ['tenant-a', 'team-a-gitops'], edgeNamespaces: ['team-a-*', 'etherpad'],
      hosts: ['edge-1', 'edge-2'], hostCount: 2, conflicts: [],
      usage: { appInstances: 3, appPackages: 2, packageBytes: 73400320 },
    },
    header: ['NAME', 'NAMESPACES', 'HOSTS', 'INSTANCES', 'READY', 'AGE'],
    row: ['["tenant-a","team-a-gitops"]', '2', '3', 'True'],
  },
  {
    kind: 'AppPackage', shortName: 'apkg',
    status: {
      observedGeneration: 1,
      conditions: [condition('Verified', 'False', 'ManifestHashMismatch'), condition('Ready', 'True', 'Distributed')],
      digest: `sha256:${'a'.repeat(64)}`,
      app: { name: 'etherpad', provider: 'Huawei', version: '1.0', class: 'container' },
      charts: [{ name: 'etherpad', version: '1.0.0', reference: 'tenant-a/etherpad:1.0.0' }],
      rules: { trafficRules: 0, dnsRules: 0, appSupportMp1: false },
      hosts: [{ name: 'edge-1', state: 'Distributed', lastTransitionTime: at }, { name: 'edge-2', state: 'Distributing' }],
      distributed: '1/2',
    },
    header: ['NAME', 'APP', 'VERSION', 'VERIFIED', 'DISTRIBUTED', 'AGE'],
    row: ['etherpad', '1.0', 'False', '1/2'],
  },
  {
    kind: 'AppInstance', shortName: 'ainst',
    status: {
      observedGeneration: 1,
      conditions: [condition('Ready', 'True', 'InstallSucceeded')],
      phase: 'Ready', operationalState: 'STARTED', appInstanceId: '0f4e4a52-7d1a-4c8e-9b3f-2a6d5c8e1f70',
      release: { name: 'etherpad', namespace: 'etherpad', revision: 2, chartName: 'etherpad', chartVersion: '1.0.0', status: 'deployed' },
      workloads: { ready: 1, desired: 1 }, readyWorkloads: '1/1',
      lastOperation: { operationType: 'INSTANTIATE', operationState: 'COMPLETED', startTime: at, stateEnteredTime: at },
      failures: 0,
    },
    header: ['NAME', 'PACKAGE', 'HOST', 'STATE', 'READY', 'REVISION', 'AGE'],
    row: ['etherpad-1.0', 'edge-1', 'STARTED', '1/1', '2'],
  },
  {
    kind: 'AppRule', shortName: 'arule',
    status: {
      observedGeneration: 1,
      conditions: [condition('Applied', 'True', 'ConfigApplied'), condition('Ready', 'True', 'ConfigApplied')],
      taskId: 'task-1', configResult: 'SUCCESS', appliedDigest: `sha256:${'b'.repeat(64)}`, lastAppliedTime: at,
      trafficRuleCount: 3, dnsRuleCount: 2,
    },
    header: ['NAME', 'HOST', 'APPINSTANCE', 'TRAFFIC', 'DNS', 'READY', 'AGE'],
    row: ['edge-1', '0f4e4a52-7d1a-4c8e-9b3f-2a6d5c8e1f70', '3', '2', 'True'],
  },
  {
    kind: 'NotificationSubscription', shortName: 'nsub',
    status: {
      observedGeneration: 1,
      conditions: [condition('Suspended', 'False', 'Active'), condition('Ready', 'True', 'UpToDate')],
      followed: 3, pending: 0, succeeded: 12, failed: 2, lastDeliveryTime: at,
      delivered: [{ kind: 'AppInstance', name: 'etherpad', host: 'edge-1', sequence: 4, state: 'Running', digest: 'c'.repeat(32), id: '0f4e4a52-7d1a-4c8e-9b3f-2a6d5c8e1f70' }],
    },
    header: ['NAME', 'CALLBACK', 'OBJECTS', 'DELIVERED', 'READY', 'SUSPENDED', 'AGE'],
    row: ['https://appstore.tenant-a.example/mecm/notifications', '3', '12', 'True', 'False'],
  },
  {
    kind: 'AppDeployment', shortName: 'adep',
    status: {
      observedGeneration: 1,
      conditions: [condition('Progressing', 'True', 'WaveInProgress'), condition('Ready', 'False', 'InstancesNotReady')],
      revision: '0123456789', desired: 20, updated: 10, ready: 18, available: 8,
      wave: { number: 2, revision: '0123456789', hosts: ['edge-1'], startTime: at },
    },
    header: ['NAME', 'DESIRED', 'UPDATED', 'READY', 'AVAILABLE', 'AGE'],
    row: ['20', '10', '18', '8'],
  },
];
