/**
 * The AppDeployment's names (instance names, revisions, durations, maxUnavailable), its top-level
 * decision (refusal and removal before the rollout) and the status it writes (counts, host
 * states, conditions, Ready).
 */
import assert from 'node:assert/strict';
import type { AppDeployment, AppDeploymentTemplate } from '../../src/api/appdeployment.js';
import { decide, type AppDeploymentObservation } from '../../src/controllers/appdeployment/decide.js';
import { durationMs, edgeNamespaceFor, instanceName, resolveMaxUnavailable, templateRevision } from '../../src/controllers/appdeployment/names.js';
import { instanceSpec } from '../../src/controllers/appdeployment/actions/update-instances.js';
import { appDeploymentDraft, recordStatus, type ObservedHost } from '../../src/controllers/appdeployment/summarize.js';
import { allowed, refused } from '../../src/tenancy/verdict.js';

const template: AppDeploymentTemplate = { packageRef: { name: 'shop' }, edgeNamespace: 'shop-{host}', values: { replicas: 1, image: { tag: 'v1' } } };
const t0 = new Date('2026-12-01T10:00:00Z');

describe('AppDeployment names', () => {
  it('names instances after deployment and host, hash-shortened past 63 characters, never colliding', () => {
    assert.equal(instanceName('shop', 'edge-1'), 'shop-edge-1');
    const long = instanceName('a-very-long-deployment-name-for-the-shop', 'edge-berlin-kreuzberg-0001.example');
    assert.ok(long.length <= 63 && /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(long), long);
    assert.notEqual(long, instanceName('a-very-long-deployment-name-for-the-shop', 'edge-berlin-kreuzberg-0002.example'));
    assert.equal(long, instanceName('a-very-long-deployment-name-for-the-shop', 'edge-berlin-kreuzberg-0001.example'));
  });

  it('makes the template revision from the template\'s content, whatever its key order', () => {
    const reordered: AppDeploymentTemplate = { values: { image: { tag: 'v1' }, replicas: 1 }, edgeNamespace: 'shop-{host}', packageRef: { name: 'shop' } };
    assert.equal(templateRevision(template), templateRevision(reordered));
    assert.notEqual(templateRevision(template), templateRevision({ ...template, values: { replicas: 1, image: { tag: 'v2' } } }));
    assert.match(templateRevision(template), /^[0-9a-f]{10}$/);
  });

  it('reads edge namespaces, durations and maxUnavailable as the CRD documents them', () => {
    assert.equal(edgeNamespaceFor('shop-{host}', 'edge-1'), 'shop-edge-1');
    assert.equal(edgeNamespaceFor('shop-{host}', 'Edge_1'), undefined);
    assert.equal(durationMs('1h30m', 0), 5_400_000);
    assert.equal(durationMs('500ms', 0), 500);
    assert.equal(durationMs(undefined, 7), 7);
    assert.equal(resolveMaxUnavailable(5, 20), 5);
    assert.equal(resolveMaxUnavailable('25%', 20), 5);
    assert.equal(resolveMaxUnavailable('10%', 5), 1, 'a percentage rounds down but never to 0');
    assert.equal(resolveMaxUnavailable(undefined, 8), 2);
  });

  it('makes the instance spec from the template, the host and its edge namespace, without the template\'s placeholder', () => {
    const deployment = { metadata: { name: 'shop', namespace: 'team' }, spec: { template, placement: { hostSelector: {} } } } as unknown as AppDeployment;
    assert.deepEqual(instanceSpec(deployment, { name: 'edge-1', edgeNamespace: 'shop-edge-1' }), {
      packageRef: { name: 'shop' }, values: { replicas: 1, image: { tag: 'v1' } }, hostRef: { name: 'edge-1' }, namespace: 'shop-edge-1',
    });
  });
});

describe('AppDeployment decision and status', () => {
  const rolloutInput = (hosts: ObservedHost[]) => ({
    revision: 'r2', hosts, wave: undefined, failedHosts: [], recordedRevision: 'r2', maxUnavailable: 1, paused: false,
    gateTimeoutMs: 1000, bakeMs: 0, pauseMs: 0, failureThreshold: 1, now: t0,
  });
  const observation = (hosts: ObservedHost[], overrides: Partial<AppDeploymentObservation> = {}): AppDeploymentObservation => ({
    governed: allowed, placement: { selected: hosts.map((h) => ({ name: h.name, edgeNamespace: h.edgeNamespace })), excluded: [] },
    strays: [], removalPolicy: 'Delete', rollout: rolloutInput(hosts), ...overrides,
  });
  const host = (name: string, revision: string | undefined, ready: boolean): ObservedHost => ({
    name, instanceName: `shop-${name}`, edgeNamespace: `shop-${name}`,
    instance: revision === undefined && !ready ? { kind: 'Absent' } : { kind: 'Ours', view: { name: `shop-${name}`, revision, ready, stalled: false } },
  });

  it('changes nothing in a namespace no Tenant governs, not even removals', () => {
    const d = decide(observation([], { governed: refused('namespace shop is governed by no Tenant'), strays: [{ name: 'x', host: 'h', deleting: false }] }));
    assert.deepEqual(d.action, { kind: 'NotPermitted', message: 'namespace shop is governed by no Tenant' });
  });

  it('removes the instances of hosts no longer placed before it rolls out, even while paused', () => {
    const strays = [{ name: 'shop-old', host: 'old', deleting: false }, { name: 'shop-going', host: 'going', deleting: true }];
    const d = decide(observation([host('a', undefined, false)], { strays, removalPolicy: 'Orphan', rollout: { ...rolloutInput([]), paused: true } }));
    assert.deepEqual(d.action, { kind: 'Remove', policy: 'Orphan', instances: [strays[0]] });
  });

  it('counts desired, updated, ready and available hosts, names their states and is Ready only when all run the revision', () => {
    const hosts = [host('a', 'r2', true), host('b', 'r1', true), host('c', 'r1', false), host('d', undefined, false)];
    const object = { metadata: { generation: 3 }, status: {} };
    const draft = appDeploymentDraft(object, t0);
    const d = decide(observation(hosts));
    recordStatus(draft, 'r2', observation(hosts).placement, hosts, d);
    draft.markObserved();
    const status = draft.result();
    assert.deepEqual([status.desired, status.updated, status.ready, status.available], [4, 1, 2, 1]);
    assert.deepEqual(status.hosts?.map((h) => h.state), ['Ready', 'Outdated', 'NotReady', 'Pending']);
    const condition = (type: string) => status.conditions?.find((c) => c.type === type);
    assert.equal(condition('Ready')?.status, 'False');
    assert.equal(condition('Ready')?.reason, 'InstancesNotReady');
    assert.equal(condition('Progressing')?.status, 'True');
    assert.equal(condition('Reconciling')?.status, 'True', 'kstatus reads it as InProgress');
    assert.equal(status.observedGeneration, 3);

    const done = [host('a', 'r2', true)];
    const settled = appDeploymentDraft(object, t0);
    recordStatus(settled, 'r2', observation(done).placement, done, decide(observation(done)));
    const result = settled.result();
    assert.equal(result.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
    assert.equal(result.conditions?.find((c) => c.type === 'Progressing')?.reason, 'RolloutComplete');
    assert.equal(result.conditions?.find((c) => c.type === 'Reconciling'), undefined);
  });

  it('says GateFailed in Paused and Stalled, naming the failing hosts', () => {
    const hosts = [host('a', 'r2', false), host('b', 'r1', true)];
    const wave = { number: 1, revision: 'r2', hosts: ['a'], startTime: '2026-12-01T09:00:00Z' };
    const o = observation(hosts, { rollout: { ...rolloutInput(hosts), wave } });
    const draft = appDeploymentDraft({ metadata: { generation: 1 } }, t0);
    recordStatus(draft, 'r2', o.placement, hosts, decide(o));
    const status = draft.result();
    const paused = status.conditions?.find((c) => c.type === 'Paused');
    assert.equal(paused?.reason, 'GateFailed');
    assert.match(paused!.message, /failed its health gate on a\b/);
    assert.equal(status.conditions?.find((c) => c.type === 'Stalled')?.reason, 'GateFailed');
    assert.deepEqual(status.failedHosts, ['a']);
    assert.equal(status.hosts?.[0]?.state, 'Failed');
  });
});
