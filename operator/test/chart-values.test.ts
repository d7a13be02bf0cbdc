/**
 * What charts/mecm-operator renders from its values, with the pinned helm and no cluster:
 * values.schema.json covers every value and refuses bad ones (helm template and helm lint alike);
 * the Pod is locked down; the PodDisruptionBudget and NetworkPolicy are on by default and the
 * NetworkPolicy admits only metrics (and North); the monitoring objects appear only when asked
 * and fit together (ServiceMonitor → Service → container port, scraper token → metrics-reader
 * role); the PrometheusRule and the dashboard ConfigMap carry the chart's files unchanged.
 * chart-dry-run.test.ts sends all of it to a real API server.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import yaml from 'js-yaml';
import { documents, everything, helm, only, render, template, type Rendered } from './support/chart.js';
import { alertsFile, chartDir, dashboardFile } from './support/observability.js';

interface SchemaNode {
  readonly $ref?: string;
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly additionalProperties?: boolean | SchemaNode;
  readonly items?: SchemaNode;
  readonly definitions?: Readonly<Record<string, SchemaNode>>;
}

interface Container {
  readonly name: string;
  readonly securityContext?: Record<string, unknown>;
  readonly resources?: { readonly requests?: Record<string, string>; readonly limits?: Record<string, string> };
  readonly ports?: ReadonlyArray<{ readonly name: string; readonly containerPort: number }>;
}

interface PodSpec {
  readonly securityContext?: Record<string, unknown>;
  readonly containers: readonly Container[];
  readonly imagePullSecrets?: ReadonlyArray<{ readonly name: string }>;
}

const podSpec = (docs: readonly Rendered[]): PodSpec => (only(docs, 'Deployment').spec as { template: { spec: PodSpec } }).template.spec;

describe('charts/mecm-operator values', function () {
  this.timeout(120_000);
  let schema: SchemaNode;
  let values: Record<string, unknown>;

  before(async () => {
    schema = JSON.parse(await readFile(`${chartDir}/values.schema.json`, 'utf8')) as SchemaNode;
    values = yaml.load(await readFile(`${chartDir}/values.yaml`, 'utf8')) as Record<string, unknown>;
  });

  /** `node` with its $ref followed. */
  const resolved = (node: SchemaNode): SchemaNode => {
    const ref = node.$ref?.replace('#/definitions/', '');
    return ref ? resolved(schema.definitions![ref]!) : node;
  };

  it('has a schema entry for every value, and refuses unknown keys in each object of its own', () => {
    const walk = (value: unknown, node: SchemaNode, path: string): void => {
      const here = resolved(node);
      if (Array.isArray(value)) {
        for (const item of value) walk(item, here.items ?? {}, `${path}[]`);
        return;
      }
      if (value === null || typeof value !== 'object') return;
      if (here.properties) assert.equal(here.additionalProperties, false, `${path || 'the root'}: additionalProperties false`);
      for (const [key, child] of Object.entries(value)) {
        const sub = here.properties?.[key] ?? (typeof here.additionalProperties === 'object' ? here.additionalProperties : undefined);
        assert.ok(sub, `${path ? `${path}.` : ''}${key} is in values.yaml but not in values.schema.json`);
        walk(child, sub, `${path ? `${path}.` : ''}${key}`);
      }
    };
    walk(values, schema, '');
    // And the other way: nothing in the schema's top level that values.yaml does not show.
    assert.deepEqual(Object.keys(schema.properties ?? {}).sort(), Object.keys(values).sort());
  });

  const refused: Array<[string, string[], RegExp]> = [
    ['an unknown key', ['replicaCount=3'], /additional properties 'replicaCount' not allowed/],
    ['root (runAsUser 0)', ['podSecurityContext.runAsUser=0'], /\/podSecurityContext\/runAsUser/],
    ['two replicas without leader election', ['replicas=2', 'leaderElection.enabled=false'], /\/replicas/],
    ['a North NodePort the appstore refuses', ['north.nodePort=8080'], /\/north\/nodePort/],
    ['a pull policy Kubernetes does not know', ['image.pullPolicy=Sometimes'], /\/image\/pullPolicy/],
    ['tenancy.enforce that is not a boolean', ['tenancy.enforce=maybe'], /\/tenancy\/enforce/],
    ['a scrape interval that is not a duration', ['monitoring.serviceMonitor.interval=soon'], /\/monitoring\/serviceMonitor\/interval/],
    ['a misspelt NetworkPolicy peer', ['networkPolicy.metricsFrom[0].podSelecter.app=prometheus'], /additional properties 'podSelecter' not allowed/],
    ['a PDB that allows no eviction', ['podDisruptionBudget.maxUnavailable=0'], /\/podDisruptionBudget\/maxUnavailable/],
  ];
  for (const [what, sets, message] of refused) {
    it(`refuses ${what}, in helm template and helm lint`, async () => {
      const rendered = await template(sets);
      assert.notEqual(rendered.code, 0, 'helm template rendered it');
      assert.match(rendered.stderr, message);
      const linted = await helm(['lint', chartDir, ...sets.flatMap((s) => ['--set', s])]);
      assert.notEqual(linted.code, 0, 'helm lint passed it');
      assert.match(linted.stdout + linted.stderr, message);
    });
  }

  it('renders and lints with every optional part on', async () => {
    const linted = await helm(['lint', chartDir, ...everything.flatMap((s) => ['--set', s])]);
    assert.equal(linted.code, 0, linted.stdout + linted.stderr);
    const kinds = new Set((await render(everything)).map((d) => d.kind));
    for (const kind of ['Deployment', 'PodDisruptionBudget', 'NetworkPolicy', 'Service', 'ServiceMonitor', 'PrometheusRule', 'ConfigMap', 'Secret']) assert.ok(kinds.has(kind), kind);
  });

  it('renders every container argument as a string, North\'s defaults included', async () => {
    // With North on and its default jwt.userPrefix ("appstore:"), an unquoted `- --flag=appstore:`
    // would be a one-key YAML map, which the API server refuses ("cannot unmarshal object into ... args").
    const docs = await render(['north.enabled=true', 'north.registry=http://north-registry:5000', 'north.tlsSecret=north-tls']);
    for (const container of podSpec(docs).containers as ReadonlyArray<Container & { args?: unknown[] }>) {
      for (const arg of container.args ?? []) assert.equal(typeof arg, 'string', `${container.name}: argument ${JSON.stringify(arg)}`);
    }
  });

  it('runs the Pod as Pod Security "restricted" asks: non-root, no escalation, read-only root, no capabilities, seccomp', async () => {
    const pod = podSpec(await render([]));
    assert.deepEqual(pod.securityContext, { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    for (const container of pod.containers) {
      assert.deepEqual(container.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } }, container.name);
      assert.ok(container.resources?.requests?.cpu && container.resources.requests.memory && container.resources.limits?.memory, `${container.name}: requests and a memory limit`);
    }
    const custom = podSpec(await render(['podSecurityContext.runAsUser=1000', 'imagePullSecrets[0].name=pull']));
    assert.equal(custom.securityContext?.runAsUser, 1000);
    assert.deepEqual(custom.imagePullSecrets, [{ name: 'pull' }]);
  });

  it('has a PodDisruptionBudget and a NetworkPolicy by default, selecting the operator\'s Pods', async () => {
    const docs = await render([]);
    const selector = (only(docs, 'Deployment').spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels;
    const pdb = only(docs, 'PodDisruptionBudget');
    assert.deepEqual(pdb.spec, { maxUnavailable: 1, selector: { matchLabels: selector } });
    const policy = only(docs, 'NetworkPolicy');
    assert.deepEqual(policy.spec?.podSelector, { matchLabels: selector });
    const off = await render(['podDisruptionBudget.enabled=false', 'networkPolicy.enabled=false']);
    assert.ok(!off.some((d) => d.kind === 'PodDisruptionBudget' || d.kind === 'NetworkPolicy'));
  });

  it('admits ingress to the metrics port only, and to North\'s port when North is on, from the peers given', async () => {
    const ingressOf = (docs: readonly Rendered[]) => (only(docs, 'NetworkPolicy').spec as { policyTypes: string[]; ingress: Array<{ ports: Array<{ port: string | number }>; from?: unknown[] }> });
    const plain = ingressOf(await render([]));
    assert.deepEqual(plain.policyTypes, ['Ingress'], 'egress stays open: edges, registries, MEPs and the appstore are anywhere');
    assert.deepEqual(plain.ingress, [{ ports: [{ port: 'metrics', protocol: 'TCP' }] }]);
    const all = ingressOf(await render(everything));
    assert.deepEqual(all.ingress, [
      { ports: [{ port: 'metrics', protocol: 'TCP' }], from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }] },
      { ports: [{ port: 8103, protocol: 'TCP' }], from: [{ ipBlock: { cidr: '10.0.0.0/8' } }] },
    ]);
  });

  it('renders no monitoring object unless asked', async () => {
    const docs = await render([]);
    assert.deepEqual(docs.filter((d) => ['ServiceMonitor', 'PrometheusRule', 'ConfigMap', 'Secret'].includes(d.kind)).map((d) => d.kind), []);
    assert.equal(only(docs, 'Service', 'mecm-metrics').spec?.type, undefined, 'the metrics Service is a ClusterIP');
  });

  it('points the ServiceMonitor at the metrics Service and port, with the token of a scraper bound to metrics-reader', async () => {
    const docs = await render(everything);
    const monitor = only(docs, 'ServiceMonitor').spec as {
      jobLabel: string; selector: { matchLabels: Record<string, string> }; namespaceSelector: { matchNames: string[] };
      endpoints: Array<{ port: string; authorization: { type: string; credentials: { name: string; key: string } } }>;
    };
    assert.equal(only(docs, 'ServiceMonitor').metadata.labels?.release, 'kube-prometheus-stack');
    const service = only(docs, 'Service', 'mecm-metrics');
    for (const [key, value] of Object.entries(monitor.selector.matchLabels)) assert.equal(service.metadata.labels?.[key], value, `Service label ${key}`);
    assert.ok(!docs.filter((d) => d.kind === 'Service' && d.metadata.name !== 'mecm-metrics')
      .some((d) => Object.entries(monitor.selector.matchLabels).every(([k, v]) => d.metadata.labels?.[k] === v)), 'only the metrics Service is selected');
    assert.equal(service.metadata.labels?.[monitor.jobLabel], 'mecm-operator', 'job="mecm-operator", as the alerts select');
    assert.deepEqual(monitor.namespaceSelector.matchNames, ['mecm-system']);
    const port = (service.spec as { ports: Array<{ name: string; targetPort: string }> }).ports[0]!;
    assert.equal(monitor.endpoints[0]!.port, port.name);
    assert.ok(podSpec(docs).containers[0]!.ports?.some((p) => p.name === port.targetPort && p.containerPort === 8080));
    const { credentials } = monitor.endpoints[0]!.authorization;
    const secret = only(docs, 'Secret', credentials.name);
    assert.equal(secret.type, 'kubernetes.io/service-account-token');
    const account = secret.metadata.annotations?.['kubernetes.io/service-account.name'];
    assert.equal(credentials.key, 'token');
    assert.equal(only(docs, 'ServiceAccount', account).metadata.namespace, 'mecm-system');
    const binding = docs.find((d) => d.kind === 'ClusterRoleBinding' && (d.subjects as Array<{ name: string }>).some((s) => s.name === account))!;
    const role = only(docs, 'ClusterRole', (binding.roleRef as { name: string }).name);
    assert.deepEqual(role.rules, [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }], 'the scraper may read /metrics and nothing else');
  });

  it('ships the alerts file unchanged as the PrometheusRule, and the dashboard file as the sidecar\'s ConfigMap', async () => {
    const docs = await render(everything);
    assert.deepEqual(only(docs, 'PrometheusRule').spec, yaml.load(await readFile(alertsFile, 'utf8')));
    const map = only(docs, 'ConfigMap', 'mecm-dashboard');
    assert.equal(map.metadata.labels?.grafana_dashboard, '1');
    assert.equal(map.metadata.annotations?.grafana_folder, 'MEC');
    assert.equal(map.data?.['mecm-fleet.json'], (await readFile(dashboardFile, 'utf8')).trimEnd());
    const elsewhere = only(await render(['monitoring.dashboard.enabled=true', 'monitoring.dashboard.namespace=grafana', 'monitoring.dashboard.label=dashboards',
      'monitoring.dashboard.labelValue=mecm']), 'ConfigMap');
    assert.equal(elsewhere.metadata.namespace, 'grafana');
    assert.equal(elsewhere.metadata.labels?.dashboards, 'mecm');
    assert.equal(elsewhere.metadata.annotations, undefined);
  });

  it('keeps CRDs in crds/, where helm installs them before the templates (and only on first install)', async () => {
    const result = await template([], { extra: ['--include-crds'] });
    assert.equal(result.code, 0, result.stderr);
    const crds = documents(result.stdout).filter((d) => d.kind === 'CustomResourceDefinition').map((d) => d.metadata.name).sort();
    assert.deepEqual(crds, ['appdeployments.mecm.io', 'appinstances.mecm.io', 'apppackages.mecm.io', 'apprules.mecm.io', 'edgehosts.mecm.io', 'notificationsubscriptions.mecm.io', 'tenants.mecm.io']);
    assert.ok(!(await render([])).some((d) => d.kind === 'CustomResourceDefinition'), 'no CRD among the templates (helm would delete it on uninstall)');
  });
});
