/**
 * The pure parts of the Kubernetes LCM plugin, as tables: helm's stderr (real output of helm
 * 3.22 and the API server) to error kinds, redaction of kubeconfig secrets, manifest parsing,
 * workload readiness, the operate patches, and which Pods are a release's.
 */
import assert from 'node:assert/strict';
import { classifyHelmFailure, errorDetail, HelmError } from '../../src/lcm/kubernetes/helm-errors.js';
import { HelmProcess } from '../../src/lcm/kubernetes/helm-process.js';
import { registryHost } from '../../src/lcm/kubernetes/helm.js';
import { parseManifest, workloadsOf, type ManifestWorkload } from '../../src/lcm/kubernetes/manifest.js';
import { kubeconfigSecrets, redact } from '../../src/lcm/kubernetes/redact.js';
import { controlledBy, selectorQuery } from '../../src/lcm/kubernetes/resources.js';
import { patchFor, replicasBeforeStopAnnotation, stoppedNodeSelector } from '../../src/lcm/kubernetes/scale.js';
import { workloadStatus, type LiveWorkload } from '../../src/lcm/kubernetes/workloads.js';
import { isLocked, LcmError, type LcmErrorKind } from '../../src/lcm/plugin.js';
import { dispositionOf, isReasonedError } from '../../src/runtime/reconcile.js';

describe('helm failure classification', function () {
  const registry = '127.0.0.1:46697';
  const cases: Array<[string, LcmErrorKind, string]> = [
    ['Pulled: 127.0.0.1:46697/mecm/x/demo:0.1.0\nDigest: sha256:4f5d\nError: INSTALLATION FAILED: failed to perform "FetchReference" on source: 127.0.0.1:46697/mecm/x/nochart:0.1.0: not found\n', 'ChartNotFound', 'missing chart'],
    ['Error: INSTALLATION FAILED: failed to perform "FetchReference" on source: 127.0.0.1:46697/mecm/x/demo:9.9.9: not found', 'ChartNotFound', 'missing version'],
    ['Error: INSTALLATION FAILED: failed to perform "FetchReference" on source: Get "http://127.0.0.1:9/v2/mecm/x/demo/manifests/0.1.0": dial tcp 127.0.0.1:9: connect: connection refused', 'RegistryUnreachable', 'registry down'],
    ['Error: INSTALLATION FAILED: Kubernetes cluster unreachable: Get "https://127.0.0.1:9/version": dial tcp 127.0.0.1:9: connect: connection refused', 'ClusterUnreachable', 'cluster down'],
    ['Error: Get "https://127.0.0.1:9/api/v1/namespaces/x/secrets?labelSelector=name": dial tcp 127.0.0.1:9: i/o timeout', 'ClusterUnreachable', 'cluster timeout'],
    ['Error: INSTALLATION FAILED: cannot re-use a name that is still in use', 'Conflict', 'name taken'],
    ['Error: INSTALLATION FAILED: Unable to continue with install: Service "etherpad-svc" in namespace "ep1" exists and cannot be imported into the current release: invalid ownership metadata; annotation validation error: key "meta.helm.sh/release-name" must equal "e2": current value is "e1"', 'Conflict', 'objects of another release'],
    ['Error: INSTALLATION FAILED: 1 error occurred:\n\t* Service "etherpad-svc" is invalid: spec.ports[0].nodePort: Invalid value: 32391: provided port is already allocated\n\n', 'Conflict', 'nodePort taken'],
    ['Error: INSTALLATION FAILED: 1 error occurred:\n\t* Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32\n', 'InvalidValues', 'wrong type'],
    ['Error: INSTALLATION FAILED: 1 error occurred:\n\t* Deployment.apps "d-demo" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0', 'InvalidValues', 'refused by the API server'],
    ['Error: INSTALLATION FAILED: template: demo/templates/ingress.yaml:1:14: executing "demo/templates/ingress.yaml" at <.Values.ingress.enabled>: can\'t evaluate field enabled in type interface {}', 'InvalidValues', 'template error'],
    ['Error: INSTALLATION FAILED: values don\'t meet the specifications of the schema(s) in the following chart(s):\ndemo:\n- replicas: Invalid type. Expected: integer, given: string', 'InvalidValues', 'schema'],
    ['Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress', 'OperationInProgress', 'locked'],
    ['Error: release: not found', 'ReleaseNotFound', 'status of nothing'],
    ['Error: uninstall: Release not loaded: nope: release: not found', 'ReleaseNotFound', 'uninstall of nothing'],
    ['Error: UPGRADE FAILED: "nope" has no deployed releases', 'ReleaseNotFound', 'upgrade of nothing'],
    ['Error: release has no 9 version', 'ReleaseNotFound', 'rollback to a missing revision'],
    ['Error: INSTALLATION FAILED: failed to perform "FetchReference" on source: GET "http://127.0.0.1:46697/v2/a/b/manifests/1": response status code 401: unauthorized: authentication required', 'Unauthorized', 'registry credentials'],
    ['Error: INSTALLATION FAILED: failed to perform "FetchReference" on source: GET "http://127.0.0.1:36385/v2/mecm/pkg/lcmdemo/manifests/0.1.0": basic credential not found', 'Unauthorized', 'registry wants credentials'],
    ['Error: INSTALLATION FAILED: Unauthorized', 'Unauthorized', 'cluster credentials'],
    ['Error: INSTALLATION FAILED: deployments.apps is forbidden: User "edge" cannot create resource "deployments" in API group "apps" in the namespace "x"', 'Unauthorized', 'RBAC'],
    ['Error: INSTALLATION FAILED: context deadline exceeded', 'Timeout', 'helm timed out'],
    ['Error: INSTALLATION FAILED: create: failed to create: secrets "sh.helm.release.v1.x.v1" is forbidden: unable to create new content in namespace lcm because it is being terminated', 'Failed', 'namespace terminating (transient)'],
    ['Release a has been cancelled.\nError: UPGRADE FAILED: context canceled', 'Failed', 'cancelled'],
  ];
  for (const [stderr, kind, label] of cases) {
    it(`${label} → ${kind}`, function () {
      assert.equal(classifyHelmFailure(errorDetail(stderr), { registryHost: registry }), kind);
    });
  }

  it('keeps helm\'s error text on one line, without progress lines', function () {
    assert.equal(errorDetail('Pulled: x\nDigest: y\nError: INSTALLATION FAILED: 1 error occurred:\n\t* Service "s" is invalid\n\n'),
      'INSTALLATION FAILED: 1 error occurred: * Service "s" is invalid');
  });

  it('tells transient kinds from those that need a change', function () {
    assert.deepEqual(['ClusterUnreachable', 'Timeout', 'OperationInProgress', 'ChartNotFound', 'InvalidValues', 'Conflict'].map((k) => new LcmError(k as LcmErrorKind, '').transient),
      [true, true, true, false, false, false]);
  });

  it('is a ReasonedError: its kind is the reason, and the runtime turns it into a queue decision', function () {
    const conflict = new LcmError('Conflict', 'taken');
    assert.ok(isReasonedError(conflict));
    assert.equal(conflict.reason, 'Conflict');
    assert.deepEqual(dispositionOf(conflict), { kind: 'Terminal' });
    assert.deepEqual(dispositionOf(new LcmError('ClusterUnreachable', 'no answer')), { kind: 'Requeue' });
    assert.equal(new HelmError('Timeout', 'slow', 'helm install').reason, 'Timeout');
  });
});

describe('redaction of kubeconfig secrets', function () {
  const key = Buffer.from('-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIIk3nT0psecretkeymaterial\n-----END EC PRIVATE KEY-----\n').toString('base64');
  const kubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: edge
  cluster: { server: "https://127.0.0.1:6443", certificate-authority-data: Q0FEQVRBQ0FEQVRBQ0FEQVRB }
users:
- name: admin
  user: { client-key-data: ${key}, token: abcdefghijklmnopqrstuvwxyz, password: hunter2hunter2 }
contexts:
- name: edge
  context: { cluster: edge, user: admin }
current-context: edge
`;

  it('hides keys, certificates, tokens, passwords and the PEM inside them, and keeps names and servers', function () {
    const secrets = kubeconfigSecrets(kubeconfig);
    const text = `failed with ${key} and token abcdefghijklmnopqrstuvwxyz, key line MHcCAQEEIIk3nT0psecretkeymaterial, password hunter2hunter2, CA Q0FEQVRBQ0FEQVRBQ0FEQVRB on https://127.0.0.1:6443 as admin`;
    assert.equal(redact(text, secrets),
      'failed with <redacted> and token <redacted>, key line <redacted>, password <redacted>, CA <redacted> on https://127.0.0.1:6443 as admin');
    assert.equal(redact(`config was:\n${kubeconfig}`, secrets).includes(key), false);
  });

  it('hides every line of a kubeconfig that is not YAML', function () {
    const broken = 'clusters: [\n  token-of-the-broken-config: zzzzzzzzzzzz\n';
    assert.equal(redact('yaml: line 2: token-of-the-broken-config: zzzzzzzzzzzz', kubeconfigSecrets(broken)), 'yaml: line 2: <redacted>');
  });
});

describe('helm process', function () {
  it('reports a helm binary that does not exist as Failed, naming the path only', async function () {
    const helm = new HelmProcess({ binary: '/nonexistent/helm' });
    try {
      await assert.rejects(helm.run({ args: ['version'], what: 'helm version', kubeconfig: 'token: abcdefghijklmnop', timeoutMs: 5_000 }),
        (e: LcmError) => e.kind === 'Failed' && /\/nonexistent\/helm does not exist/.test(e.message) && !e.message.includes('abcdefghijklmnop'));
    } finally {
      await helm.close();
    }
  });

  it('finds the registry host of a chart reference', function () {
    assert.equal(registryHost('oci://127.0.0.1:5000/mecm/ns/pkg/chart:1.0'), '127.0.0.1:5000');
    assert.equal(registryHost('https://example.com/chart.tgz'), '');
  });
});

describe('release manifests', function () {
  const manifest = `---
# Source: demo/templates/sa.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: demo
---
# Source: demo/templates/deploy.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: elsewhere
spec:
  replicas: 3
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: demo-reader }
---
apiVersion: batch/v1
kind: Job
metadata: { name: setup }
---
apiVersion: extensions/v1beta1
kind: Deployment
metadata: { name: ancient }
---
`;

  it('lists every object with its namespace, and the workloads among them', function () {
    const objects = parseManifest(manifest, 'apps');
    assert.deepEqual(objects.map((o) => `${o.kind}/${o.namespace}/${o.name}`),
      ['ServiceAccount/apps/demo', 'Deployment/elsewhere/web', 'ClusterRole/apps/demo-reader', 'Job/apps/setup', 'Deployment/apps/ancient']);
    assert.deepEqual(workloadsOf(objects).map((w) => `${w.kind}/${w.name}`), ['Deployment/web', 'Job/setup']);
  });

  it('refuses text that is not YAML', function () {
    assert.throws(() => parseManifest('a: [', 'x'), (e: LcmError) => e.kind === 'Failed');
  });
});

describe('workload readiness', function () {
  const workload = (kind: ManifestWorkload['kind'], spec: Record<string, unknown> = {}): ManifestWorkload =>
    ({ apiVersion: kind === 'Job' ? 'batch/v1' : 'apps/v1', kind, namespace: 'ns', name: 'w', body: { spec } });
  const live = (spec: LiveWorkload['spec'], status: LiveWorkload['status'], generation = 2): LiveWorkload =>
    ({ metadata: { name: 'w', generation }, spec, status });
  const cases: Array<[string, ManifestWorkload, LiveWorkload | undefined, [number, number, string]]> = [
    ['Deployment rolled out', workload('Deployment'), live({ replicas: 2 }, { observedGeneration: 2, replicas: 2, readyReplicas: 2, updatedReplicas: 2, availableReplicas: 2 }), [2, 2, 'Ready']],
    ['Deployment not yet observed', workload('Deployment'), live({ replicas: 2 }, { observedGeneration: 1, replicas: 2, readyReplicas: 2, updatedReplicas: 2, availableReplicas: 2 }), [2, 2, 'Progressing']],
    ['Deployment with old Pods left', workload('Deployment'), live({ replicas: 2 }, { observedGeneration: 2, replicas: 3, readyReplicas: 3, updatedReplicas: 2, availableReplicas: 3 }), [2, 2, 'Progressing']],
    ['Deployment past its deadline', workload('Deployment'), live({ replicas: 1 }, { observedGeneration: 2, replicas: 1, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] }), [0, 1, 'Failed']],
    ['Deployment stopped', workload('Deployment'), live({ replicas: 0 }, { observedGeneration: 2 }), [0, 0, 'Ready']],
    ['Deployment missing', workload('Deployment', { replicas: 3 }), undefined, [0, 3, 'Missing']],
    ['StatefulSet mid-update', workload('StatefulSet'), live({ replicas: 2 }, { observedGeneration: 2, replicas: 2, readyReplicas: 2, updatedReplicas: 1, currentRevision: 'a', updateRevision: 'b' }), [2, 2, 'Progressing']],
    ['StatefulSet rolled out', workload('StatefulSet'), live({ replicas: 2 }, { observedGeneration: 2, replicas: 2, readyReplicas: 2, updatedReplicas: 2, currentRevision: 'b', updateRevision: 'b' }), [2, 2, 'Ready']],
    ['DaemonSet on 3 nodes, 2 ready', workload('DaemonSet'), live({}, { observedGeneration: 2, desiredNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 3, numberAvailable: 2 }), [2, 3, 'Progressing']],
    ['Job complete', workload('Job'), live({ completions: 1 }, { succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] }), [1, 1, 'Ready']],
    ['Job failed', workload('Job'), live({ completions: 2 }, { succeeded: 1, conditions: [{ type: 'Failed', status: 'True' }] }), [1, 2, 'Failed']],
  ];
  for (const [label, manifest, object, [ready, desired, state]] of cases) {
    it(label, function () {
      const status = workloadStatus(manifest, object);
      assert.deepEqual([status.ready, status.desired, status.state], [ready, desired, state]);
    });
  }
});

describe('operate patches', function () {
  const deployment: ManifestWorkload = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'ns', name: 'web', body: { spec: { replicas: 4 } } };
  const daemonSet: ManifestWorkload = { ...deployment, kind: 'DaemonSet' };
  const live = (replicas: number, recorded?: string): LiveWorkload => ({
    metadata: { name: 'web', resourceVersion: '7', ...(recorded === undefined ? {} : { annotations: { [replicasBeforeStopAnnotation]: recorded } }) },
    spec: { replicas },
  });

  it('Stopped records the replicas once and scales to zero', function () {
    assert.deepEqual(patchFor(deployment, live(3), 'Stopped'),
      { metadata: { resourceVersion: '7', annotations: { [replicasBeforeStopAnnotation]: '3' } }, spec: { replicas: 0 } });
    assert.equal(patchFor(deployment, live(0, '3'), 'Stopped'), undefined);
    assert.deepEqual(patchFor(deployment, live(5, '3'), 'Stopped'),
      { metadata: { resourceVersion: '7', annotations: { [replicasBeforeStopAnnotation]: '5' } }, spec: { replicas: 0 } },
      'running again while stopped (a helm upgrade set 5): the newer count is recorded, back to zero');
    assert.deepEqual(patchFor(deployment, live(0), 'Stopped')?.metadata, { resourceVersion: '7', annotations: { [replicasBeforeStopAnnotation]: '0' } },
      'a chart that asks for 0 replicas gets 0 back on start');
  });

  it('Started restores the recorded replicas and leaves a running workload alone', function () {
    assert.deepEqual(patchFor(deployment, live(0, '3'), 'Started'),
      { metadata: { resourceVersion: '7', annotations: { [replicasBeforeStopAnnotation]: null } }, spec: { replicas: 3 } });
    assert.equal(patchFor(deployment, live(3), 'Started'), undefined);
    assert.deepEqual(patchFor(deployment, live(0, 'garbage'), 'Started')?.spec, { replicas: 4 }, 'an unreadable record falls back to the chart');
  });

  it('a DaemonSet is stopped with a node selector no node has', function () {
    const running: LiveWorkload = { metadata: { name: 'agent', resourceVersion: '9' }, spec: { template: { spec: {} } } };
    const stopped: LiveWorkload = { metadata: { name: 'agent', resourceVersion: '9' }, spec: { template: { spec: { nodeSelector: { [stoppedNodeSelector]: 'true' } } } } };
    assert.deepEqual(patchFor(daemonSet, running, 'Stopped'), { metadata: { resourceVersion: '9' }, spec: { template: { spec: { nodeSelector: { [stoppedNodeSelector]: 'true' } } } } });
    assert.equal(patchFor(daemonSet, stopped, 'Stopped'), undefined);
    assert.deepEqual(patchFor(daemonSet, stopped, 'Started'), { metadata: { resourceVersion: '9' }, spec: { template: { spec: { nodeSelector: { [stoppedNodeSelector]: null } } } } });
    assert.equal(patchFor(daemonSet, running, 'Started'), undefined);
  });
});

describe('release locks', function () {
  it('pending-* and uninstalling are locked; deployed and failed are not', function () {
    const at = (status: 'deployed' | 'failed' | 'pending-install' | 'pending-upgrade' | 'pending-rollback' | 'uninstalling') =>
      isLocked({ exists: true, name: 'r', namespace: 'n', revision: 1, status, chart: 'c', chartVersion: '1', updated: '' });
    assert.deepEqual(['deployed', 'failed', 'pending-install', 'pending-upgrade', 'pending-rollback', 'uninstalling'].map((s) => at(s as Parameters<typeof at>[0])),
      [false, false, true, true, true, true]);
    assert.equal(isLocked({ exists: false }), false);
  });
});

describe('release resources: selectors and controllers', function () {
  it('writes a label selector in the API\'s query syntax, every operator', () => {
    assert.equal(selectorQuery({ matchLabels: { app: 'web', tier: 'fe' }, matchExpressions: [
      { key: 'env', operator: 'In', values: ['a', 'b'] }, { key: 'zone', operator: 'NotIn', values: ['x'] },
      { key: 'canary', operator: 'Exists' }, { key: 'legacy', operator: 'DoesNotExist' },
    ] }), 'app=web,tier=fe,env in (a,b),zone notin (x),canary,!legacy');
    assert.equal(selectorQuery({}), undefined, 'an empty selector is never listed with (it would select every Pod)');
  });

  it('takes a Pod for a workload\'s only when the workload controls it', () => {
    const pod = (owner: { kind: string; name: string; uid: string; controller?: boolean } | undefined, hash?: string) => ({
      metadata: { name: 'p', ...(hash ? { labels: { 'pod-template-hash': hash } } : {}), ...(owner ? { ownerReferences: [{ apiVersion: 'apps/v1', controller: true, ...owner }] } : {}) },
    });
    const web = { kind: 'Deployment' as const, name: 'web' };
    assert.equal(controlledBy(pod({ kind: 'ReplicaSet', name: 'web-5d9c', uid: 'r' }, '5d9c'), web, 'd'), true);
    assert.equal(controlledBy(pod({ kind: 'ReplicaSet', name: 'web-api-5d9c', uid: 'r' }, '5d9c'), web, 'd'), false, 'a ReplicaSet of Deployment web-api');
    assert.equal(controlledBy(pod(undefined), web, 'd'), false, 'a Pod nobody controls');
    const db = { kind: 'StatefulSet' as const, name: 'db' };
    assert.equal(controlledBy(pod({ kind: 'StatefulSet', name: 'db', uid: 'u1' }), db, 'u1'), true);
    assert.equal(controlledBy(pod({ kind: 'StatefulSet', name: 'db', uid: 'old' }), db, 'u1'), false, 'an earlier StatefulSet of the same name');
    assert.equal(controlledBy(pod({ kind: 'StatefulSet', name: 'db', uid: 'u1', controller: false }), db, 'u1'), false, 'an owner that is not the controller');
  });
});
