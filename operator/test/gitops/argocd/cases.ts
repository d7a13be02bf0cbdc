/**
 * The objects the Argo CD health check (gitops/argocd/resource_customizations/mecm.io/_/) is
 * tested against: each kind's sample from samples/ with a status made by the operator's own
 * status code at a fixed time — EdgeHost's and Tenant's pure decideStatus, the other kinds'
 * StatusDraft with their summarize and the action steps that set their conditions — so the Lua
 * reads what the operator writes. write-testdata.ts writes them; cases.unit.test.ts checks the
 * committed files are still what this makes.
 */
import type { AppDeployment, AppDeploymentWave } from '../../../src/api/appdeployment.js';
import type { AppInstance } from '../../../src/api/appinstance.js';
import type { AppPackage } from '../../../src/api/apppackage.js';
import type { AppRule } from '../../../src/api/apprule.js';
import type { EdgeHost } from '../../../src/api/edgehost.js';
import type { NotificationSubscription, NotificationSubscriptionStatus } from '../../../src/api/notificationsubscription.js';
import type { SubscriptionConditionType, SubscriptionReason } from '../../../src/api/notificationsubscription-conditions.js';
import type { Tenant } from '../../../src/api/tenant.js';
import { decide as decideDeployment, type AppDeploymentObservation } from '../../../src/controllers/appdeployment/decide.js';
import { appDeploymentDraft, recordStatus, type ObservedHost } from '../../../src/controllers/appdeployment/summarize.js';
import { markInstalled, progressing, type ActionContext } from '../../../src/controllers/appinstance/actions/context.js';
import { runGiveUp } from '../../../src/controllers/appinstance/actions/stalls.js';
import { appInstanceDraft, recordObserved, type AppInstanceDraft } from '../../../src/controllers/appinstance/summarize.js';
import { draftOf as appPackageDraft } from '../../../src/controllers/apppackage/draft.js';
import { draftOf as appRuleDraft } from '../../../src/controllers/apprule/draft.js';
import { decideStatus as edgeHostStatus, type Observation as EdgeObservation } from '../../../src/controllers/edgehost/decide.js';
import { classifyClusterError } from '../../../src/controllers/edgehost/probes.js';
import { decideStatus as tenantStatus } from '../../../src/controllers/tenant/decide.js';
import { summarizeSubscription } from '../../../src/north/subscriptions/summarize.js';
import { StatusDraft } from '../../../src/runtime/status.js';
import { sample, type SampleKind } from '../../fixtures/samples.js';
import { testLogger } from '../../support/logger.js';

/** One testdata file: its name under testdata/ and the object in it. */
export interface HealthCase {
  readonly file: string;
  readonly object: object;
}

/** When every status was written: fixed, so the files do not change from run to run. */
const at = new Date('2026-01-15T10:00:00Z');
const earlier = new Date(at.getTime() - 10 * 60_000);

/** The sample of `kind` as an object of generation `generation`, without status. */
function objectOf<T>(kind: SampleKind, generation = 1, spec: object = {}): T {
  const manifest = sample(kind) as { metadata: object; spec: object };
  return { ...manifest, metadata: { ...manifest.metadata, generation }, spec: { ...manifest.spec, ...spec } } as T;
}

export function healthCases(): HealthCase[] {
  return [...appInstanceCases(), ...edgeHostCases(), ...tenantCases(), ...appPackageCases(), ...appRuleCases(), ...subscriptionCases(), ...appDeploymentCases()];
}

function appInstanceCases(): HealthCase[] {
  const fresh = objectOf<AppInstance>('AppInstance');
  const installing = appInstanceDraft(fresh, at);
  progressing(installing, 'Installing', 'Installing', 'Installing release etherpad revision 1 on edge-1.');

  const ready = appInstanceDraft(fresh, at);
  recordObserved(ready.value, {
    release: { exists: true, name: 'etherpad', namespace: 'etherpad', revision: 1, chart: 'etherpad', chartVersion: '1.0.0', status: 'deployed', updated: earlier.toISOString() },
    workloads: { workloads: [], ready: 1, desired: 1, allReady: true },
  });
  ready.value.operationalState = 'STARTED';
  markInstalled(ready, true);
  ready.markSettled();
  ready.markObserved();
  const readyObject = { ...fresh, status: ready.result() };

  const fragile = objectOf<AppInstance>('AppInstance', 1, { remediation: { retries: 0 } });
  const failed = appInstanceDraft(fragile, at);
  failed.value.failures = 1;
  failed.set('Instantiated', false, 'InstallFailed', 'HelmFailed: Service "etherpad" is invalid: spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range');
  runGiveUp(actionContext(fragile, failed));
  failed.markObserved();

  return [
    { file: 'appinstance-new.yaml', object: fresh },
    { file: 'appinstance-installing.yaml', object: { ...fresh, status: installing.result() } },
    { file: 'appinstance-ready.yaml', object: readyObject },
    { file: 'appinstance-spec-changed.yaml', object: { ...readyObject, metadata: { ...readyObject.metadata, generation: 2 } } },
    { file: 'appinstance-stalled.yaml', object: { ...fragile, status: failed.result() } },
    { file: 'appinstance-suspended.yaml', object: { ...readyObject, spec: { ...readyObject.spec, suspend: true } } },
  ];
}

/** What an AppInstance action needs to set its conditions; nothing is written or recorded. */
function actionContext(instance: AppInstance, draft: AppInstanceDraft): ActionContext {
  return {
    instance, draft, log: testLogger(), timing: { waitMs: 1000, steadyCheckMs: 1000, deletionTimeoutMs: 1000 },
    commit: () => Promise.resolve(false), event: () => Promise.resolve(),
  };
}

function edgeHostCases(): HealthCase[] {
  const host = objectOf<EdgeHost>('EdgeHost');
  const settings = { intervalMs: 30_000, graceMs: 120_000, retryBaseMs: 1000 };
  const answering: EdgeObservation = {
    cluster: { ok: true, facts: { kubernetesVersion: 'v1.36.3', nodeCount: 2, readyNodeCount: 2, capacity: { cpu: '16', memory: '32Gi' }, allocatable: { cpu: '16', memory: '32Gi' } } },
    repository: { ok: true, facts: null }, mep: { ok: true, facts: null }, appInstanceCount: 1, addressConflict: undefined,
  };
  const ready = edgeHostStatus({ status: undefined, generation: 1, observation: answering, memory: undefined, settings, now: earlier });
  // The edge stopped answering and stayed silent past the grace period.
  const silent: EdgeObservation = { ...answering, cluster: { ok: false, ...classifyClusterError(new Error('connect ECONNREFUSED 192.0.2.10:6443'), '192.0.2.10:6443') } };
  const gone = edgeHostStatus({
    status: ready.status, generation: 1, observation: silent, settings, now: at,
    memory: { lastContactMs: earlier.getTime(), failingSinceMs: at.getTime() - 3 * 60_000, failures: 6 },
  });
  return [
    { file: 'edgehost-ready.yaml', object: { ...host, status: ready.status } },
    { file: 'edgehost-unreachable.yaml', object: { ...host, status: gone.status } },
  ];
}

function tenantCases(): HealthCase[] {
  const tenant = objectOf<Tenant>('Tenant');
  const usage = new Map([['tenant-a', { appInstances: 1, appPackages: 1, packageBytes: 1_048_576 }]]);
  const observation = { others: [], hosts: [{ name: 'edge-1', labels: { 'mecm.io/region': 'east' } }, { name: 'edge-2' }], usage };
  const rival: Tenant = { ...objectOf<Tenant>('Tenant'), metadata: { name: 'team-b', generation: 1 }, spec: { namespaces: ['team-a-gitops'] } };
  return [
    { file: 'tenant-ready.yaml', object: { ...tenant, status: tenantStatus({ tenant, observation, now: at }) } },
    { file: 'tenant-conflicting.yaml', object: { ...tenant, status: tenantStatus({ tenant, observation: { ...observation, others: [rival] }, now: at }) } },
  ];
}

function appPackageCases(): HealthCase[] {
  const pkg = objectOf<AppPackage>('AppPackage');
  const downloading = appPackageDraft(pkg, at);
  downloading.markReconciling('Progressing', 'Downloading the package from the appstore.');

  const ready = appPackageDraft(pkg, at);
  ready.set('Downloaded', true, 'DownloadSucceeded', 'Downloaded 1048576 bytes, sha256 4f0e3c2a9b1d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f.');
  ready.set('Parsed', true, 'ParseSucceeded', 'APPD, manifest, 1 chart(s) and 1 image(s) read.');
  ready.set('Verified', true, 'VerificationSkipped', 'The package is not signed and spec.verification.policy is Skip.');
  ready.set('RulesValid', true, 'RulesValid', 'Every rule of the APPD can be applied.');
  ready.set('Distributed', true, 'DistributionSucceeded', 'Distributed to 2 host(s).');
  ready.markObserved();
  ready.markSettled();

  const refused = appPackageDraft(pkg, at);
  refused.markStalled('NotPermitted', 'namespace tenant-a is governed by no Tenant: an admin must list it in a Tenant\'s spec.namespaces.');
  refused.markObserved();
  return [
    { file: 'apppackage-downloading.yaml', object: { ...pkg, status: downloading.result() } },
    { file: 'apppackage-ready.yaml', object: { ...pkg, status: ready.result() } },
    { file: 'apppackage-not-permitted.yaml', object: { ...pkg, status: refused.result() } },
  ];
}

function appRuleCases(): HealthCase[] {
  const rule = objectOf<AppRule>('AppRule');
  const applying = appRuleDraft(rule, at);
  applying.set('Applied', false, 'ApplyingRules', 'Creation sent to the MEP (task 7c1e).');
  applying.markReconciling('ApplyingRules', 'Waiting for MEP task 7c1e.');
  applying.markObserved();

  const applied = appRuleDraft(rule, at);
  applied.set('Applied', true, 'RulesApplied', 'The MEP holds 1 traffic and 2 DNS rule(s) as specified.');
  applied.markSettled();
  applied.markObserved();
  return [
    { file: 'apprule-applying.yaml', object: { ...rule, status: applying.result() } },
    { file: 'apprule-applied.yaml', object: { ...rule, status: applied.result() } },
  ];
}

function subscriptionCases(): HealthCase[] {
  const subscription = objectOf<NotificationSubscription>('NotificationSubscription');
  const draft = () => new StatusDraft<NotificationSubscriptionStatus, SubscriptionConditionType, SubscriptionReason>(subscription, summarizeSubscription, at);
  const delivered = draft();
  delivered.set('Suspended', false, 'Active', 'Notifications are delivered.');
  delivered.markSettled();
  delivered.markObserved();

  const failing = draft();
  failing.set('Suspended', true, 'CallbackFailing', 'Every delivery failed for 10m (HTTP 503); nothing is sent until the spec changes.');
  failing.markSettled();
  failing.markObserved();
  const paused = objectOf<NotificationSubscription>('NotificationSubscription', 2, { suspend: true });
  return [
    { file: 'notificationsubscription-ready.yaml', object: { ...subscription, status: delivered.result() } },
    { file: 'notificationsubscription-callback-failing.yaml', object: { ...subscription, status: failing.result() } },
    { file: 'notificationsubscription-suspended.yaml', object: { ...paused, status: delivered.result() } },
  ];
}

function appDeploymentCases(): HealthCase[] {
  const deployment = objectOf<AppDeployment>('AppDeployment');
  const host = (name: string, revision: string, ready: boolean): ObservedHost => ({
    name, instanceName: `etherpad-${name}`, edgeNamespace: `team-a-etherpad-${name}`,
    instance: { kind: 'Ours', view: { name: `etherpad-${name}`, revision, ready, stalled: false } },
  });
  /** The status the controller writes for these hosts, wave and spec.rollout.paused. */
  const statusOf = (hosts: ObservedHost[], wave: AppDeploymentWave | undefined, object = deployment) => {
    const observation: AppDeploymentObservation = {
      governed: { ok: true }, placement: { selected: hosts.map((h) => ({ name: h.name, edgeNamespace: h.edgeNamespace })), excluded: [] },
      strays: [], removalPolicy: 'Delete',
      rollout: {
        revision: 'r2', hosts, wave, failedHosts: [], recordedRevision: 'r2', maxUnavailable: 1, paused: object.spec.rollout?.paused === true,
        gateTimeoutMs: 300_000, bakeMs: 0, pauseMs: 0, failureThreshold: 1, now: at,
      },
    };
    const draft = appDeploymentDraft(object, at);
    recordStatus(draft, 'r2', observation.placement, hosts, decideDeployment(observation));
    draft.markObserved();
    return draft.result();
  };
  const started = earlier.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const rolling = statusOf([host('edge-1', 'r2', false), host('edge-2', 'r1', true)], { number: 1, revision: 'r2', hosts: ['edge-1'], startTime: at.toISOString().replace(/\.\d{3}Z$/, 'Z') });
  const ready = statusOf([host('edge-1', 'r2', true), host('edge-2', 'r2', true)], undefined);
  const failed = statusOf([host('edge-1', 'r2', false), host('edge-2', 'r1', true)], { number: 1, revision: 'r2', hosts: ['edge-1'], startTime: started });
  const pausedObject = objectOf<AppDeployment>('AppDeployment', 2, { rollout: { ...deployment.spec.rollout, paused: true } });
  const paused = statusOf([host('edge-1', 'r1', true), host('edge-2', 'r1', true)], undefined, pausedObject);
  return [
    { file: 'appdeployment-rolling.yaml', object: { ...deployment, status: rolling } },
    { file: 'appdeployment-ready.yaml', object: { ...deployment, status: ready } },
    { file: 'appdeployment-gate-failed.yaml', object: { ...deployment, status: failed } },
    { file: 'appdeployment-paused.yaml', object: { ...pausedObject, status: paused } },
  ];
}
