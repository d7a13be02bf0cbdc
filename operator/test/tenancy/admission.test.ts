/**
 * Tenancy at admission, with no operator running: the chart's ValidatingAdmissionPolicies
 * (config/policies/) on the real hub API server refuse, with a message that says what to do,
 * an AppInstance whose edge namespace its Tenant does not grant, an AppInstance or AppRule on a
 * host a Tenant grants only by name and does not name, and AppRules whose traffic or DNS rules
 * exceed the Tenant's spec.mep; they admit what the grant allows, leave namespaces no Tenant
 * lists to the operator, never stand in the way of an update that leaves the spec alone, and
 * judge the largest AppRule against the largest grant within the CEL budget.
 *
 * The hub is shared with other suites: the bindings are narrowed to objects carrying this run's
 * label, and this run's Tenants list only this run's namespaces.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { waitFor } from '../../../testenv/src/process.js';
import { mecmTypes } from '../../src/api/resources.js';
import type { Tenant, TenantSpec } from '../../src/api/tenant.js';
import type { KubeClient } from '../../src/runtime/kube/client.js';
import { ApiError } from '../../src/runtime/kube/errors.js';
import { collectionPath, coreTypes, type KubeObject, type ResourceType } from '../../src/runtime/kube/resource.js';
import { ResourceClient } from '../../src/runtime/kube/resource-client.js';
import { build, sample, set, type Edit, type Manifest } from '../fixtures/samples.js';
import { installCrds } from '../support/crds.js';
import { envStartTimeoutMs, sharedEnv, type SharedEnv } from '../support/env.js';
import { clientFor } from '../support/hub-client.js';
import { kubectl } from '../support/kubectl.js';
import { renderChart } from '../support/operator-identity.js';

const run = Date.now().toString(36);
const release = `tadm-${run}`;
const label = { 'mecm-admission-test': run };
// This run's Tenants and the hub namespaces they list; `free` is listed by none.
const teamA = `adm-${run}`;
const shop = `adm-${run}-shop`;
const pooled = `adm-${run}-pool`;
const ns = { a: `${teamA}-hub`, shop: `${shop}-hub`, pooled: `${pooled}-hub`, free: `adm-${run}-free` };
/** The MEP grant of the Tenant sample: exactly what the AppRule sample asks for. */
const sampleMep = (sample('Tenant').spec as TenantSpec).mep!;
const policiesDir = fileURLToPath(new URL('../../../config/policies/', import.meta.url));

describe('Tenancy at admission (ValidatingAdmissionPolicies, no operator running)', function () {
  let shared: SharedEnv;
  let hub: KubeClient;
  let tenants: ResourceClient<Tenant>;
  let rules: ResourceClient<KubeObject>;
  let policies = '';

  /** An AppInstance of this run in `namespace`, on `host`, installing into edge namespace `edge`. */
  const instance = (namespace: string, edge: string, host = 'edge-1'): Manifest => ({
    apiVersion: 'mecm.io/v1alpha1', kind: 'AppInstance', metadata: { name: 'app', namespace, labels: label },
    spec: { packageRef: { name: 'app' }, hostRef: { name: host }, namespace: edge, suspend: true },
  });
  /** The AppRule sample in `namespace`, with `edits`, carrying this run's label. */
  const rule = (namespace: string, ...edits: Edit[]): Manifest => build('AppRule', set('metadata.namespace', namespace), set('metadata.labels', label), ...edits);
  const tenant = (name: string, spec: TenantSpec): Tenant => ({ apiVersion: 'mecm.io/v1alpha1', kind: 'Tenant', metadata: { name }, spec });

  /** What the API server answers a create of `object` (a dry run: admission runs, nothing is stored). */
  async function tryCreate(type: ResourceType, object: Manifest): Promise<string> {
    const { namespace } = object.metadata as { namespace: string };
    try {
      await hub.request({ method: 'POST', path: collectionPath(type, namespace), query: { dryRun: 'All' }, body: object });
      return 'created';
    } catch (error) {
      if (error instanceof ApiError) return `${error.code} ${error.message}`;
      throw error;
    }
  }
  const tryInstance = (object: Manifest) => tryCreate(mecmTypes.appInstance, object);
  const tryRule = (object: Manifest) => tryCreate(mecmTypes.appRule, object);

  /** Asserts a 403 whose message holds `expected` after the policy's prefix. */
  function assertRefused(answer: string, policy: string, expected: string): void {
    assert.match(answer, /^403 /, answer);
    assert.ok(answer.includes(`ValidatingAdmissionPolicy '${release}-${policy}'`), answer);
    assert.ok(answer.includes(`denied request: ${expected}`), `expected "${expected}" in:\n${answer}`);
  }

  before(async function () {
    this.timeout(envStartTimeoutMs);
    shared = await sharedEnv();
    await installCrds(shared.hub);
    hub = await clientFor(shared.hub);
    tenants = new ResourceClient(hub, mecmTypes.tenant);
    rules = new ResourceClient(hub, mecmTypes.appRule);
    const namespaces = new ResourceClient<KubeObject>(hub, coreTypes.namespace);
    for (const name of Object.values(ns)) await namespaces.create({ metadata: { name } });
    await tenants.create(tenant(teamA, { namespaces: [ns.a], hosts: { names: ['edge-1', 'edge-2'] }, mep: sampleMep }));
    await tenants.create(tenant(shop, { namespaces: [ns.shop], hosts: { names: ['edge-1'] }, edgeNamespaces: ['shop', 'web-*'] }));
    await tenants.create(tenant(pooled, { namespaces: [ns.pooled], hosts: { selector: { matchLabels: { pool: 'shared' } } } }));

    const documents = yaml.loadAll(await renderChart(shared.hub, ['templates/tenancy-policies.yaml'], release)) as Array<{ kind: string; spec: Record<string, unknown> }>;
    const bindings = documents.filter((d) => d.kind === 'ValidatingAdmissionPolicyBinding');
    assert.equal(bindings.length, 3, 'three policies, each bound');
    for (const binding of bindings) {
      assert.deepEqual(binding.spec.paramRef, { selector: {}, parameterNotFoundAction: 'Allow' }, 'every Tenant is a parameter');
      assert.equal(binding.spec.matchResources, undefined, 'the chart binds every AppInstance and AppRule');
      binding.spec.matchResources = { objectSelector: { matchLabels: label } };
    }
    policies = documents.map((d) => yaml.dump(d)).join('---\n');
    const applied = await kubectl(shared.hub, ['apply', '-f', '-'], policies);
    assert.equal(applied.code, 0, applied.stderr);
    // A new policy, its binding and its parameters reach the API server's admission a moment
    // after they are stored: wait until each refuses what it must.
    await waitFor('the three policies in force', async () => {
      const answers = await Promise.all([
        tryInstance(instance(ns.a, 'elsewhere')), tryInstance(instance(ns.a, `${teamA}-web`, 'edge-9')),
        tryRule(rule(ns.a, set('spec.appTrafficRule.2.action', 'PASSTHROUGH'))),
      ]);
      return answers.every((a) => a.startsWith('403'));
    }, 30_000, 250);
  });

  after(async function () {
    this.timeout(60_000);
    if (policies) await kubectl(shared.hub, ['delete', '-f', '-', '--ignore-not-found'], policies);
    for (const name of [teamA, shop, pooled]) await tenants?.delete(name).catch(() => undefined);
    const namespaces = hub ? new ResourceClient<KubeObject>(hub, coreTypes.namespace) : undefined;
    for (const name of Object.values(ns)) await namespaces?.delete(name).catch(() => undefined);
    hub?.close();
  });

  it('config/policies/ is what the API server accepts as it is (kubectl apply -f config/policies/)', async () => {
    const result = await kubectl(shared.hub, ['apply', '--dry-run=server', '-f', policiesDir]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.match(/ created \(server dry run\)$/gm)?.length, 6, result.stdout);
  });

  describe('an AppInstance\'s edge namespace', () => {
    it('is refused by kubectl when its Tenant\'s default pattern <tenant>-* does not match, saying what to do', async () => {
      const result = await kubectl(shared.hub, ['create', '--dry-run=server', '-f', '-'], JSON.stringify(instance(ns.a, 'team-b-web')));
      assert.notEqual(result.code, 0, result.stdout);
      assert.ok(result.stderr.includes(`Error from server (Forbidden): error when creating "STDIN": appinstances.mecm.io "app" is forbidden: `
        + `ValidatingAdmissionPolicy '${release}-tenant-edge-namespace' with binding '${release}-tenant-edge-namespace' denied request: `
        + `edge namespace team-b-web is not granted by Tenant ${teamA}, which governs namespace ${ns.a}: use a spec.namespace that matches one of its edge namespaces (${teamA}-*), `
        + `or ask an admin to add team-b-web to the Tenant's spec.edgeNamespaces`), result.stderr);
    });

    it('is admitted under the default pattern, and the AppInstance is stored', async () => {
      const result = await kubectl(shared.hub, ['create', '-f', '-'], JSON.stringify(instance(ns.a, `${teamA}-web`)));
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /appinstance.mecm.io\/app created/);
    });

    const patterns: Array<[string, boolean]> = [['shop', true], ['web-1', true], ['shop-2', false], [`${shop}-web`, false]];
    for (const [edge, admitted] of patterns) {
      it(`${admitted ? 'admits' : 'refuses'} ${edge} under spec.edgeNamespaces [shop, web-*]`, async () => {
        const answer = await tryInstance(instance(ns.shop, edge));
        if (admitted) assert.equal(answer, 'created');
        else assertRefused(answer, 'tenant-edge-namespace', `edge namespace ${edge} is not granted by Tenant ${shop}, which governs namespace ${ns.shop}: use a spec.namespace that matches one of its edge namespaces (shop, web-*)`);
      });
    }
  });

  describe('the EdgeHost of an AppInstance or AppRule', () => {
    it('is refused when the Tenant grants hosts by name only and does not name it', async () => {
      const expected = `EdgeHost edge-9 is not granted by Tenant ${teamA}, which governs namespace ${ns.a}: use one of the EdgeHosts it grants (edge-1, edge-2), or ask an admin to add edge-9 to the Tenant's spec.hosts`;
      assertRefused(await tryInstance(instance(ns.a, `${teamA}-web`, 'edge-9')), 'tenant-hosts', expected);
      assertRefused(await tryRule(rule(ns.a, set('spec.hostRef.name', 'edge-9'))), 'tenant-hosts', expected);
      assert.equal(await tryRule(rule(ns.a, set('spec.hostRef.name', 'edge-2'))), 'created');
    });

    it('is left to the operator when the Tenant has a selector (the API server cannot read EdgeHost labels)', async () => {
      assert.equal(await tryInstance(instance(ns.pooled, `${pooled}-web`, 'any-host')), 'created');
    });
  });

  describe('an AppRule\'s traffic and DNS rules', () => {
    const tenantSays = `Tenant ${teamA}, which governs namespace ${ns.a}`;

    it('are admitted within the grant, names at or below a suffix in any case, with or without the final dot', async () => {
      assert.equal(await tryRule(rule(ns.a)), 'created');
      assert.equal(await tryRule(rule(ns.a, set('spec.appDNSRule.0.domainName', 'API.PositioningService.org.'))), 'created');
    });

    const refusals: Array<[string, Edit, string]> = [
      ['an action the Tenant does not grant', set('spec.appTrafficRule.2.action', 'PASSTHROUGH'),
        `traffic rules blockedRange (PASSTHROUGH) use actions not granted by ${tenantSays} (spec.mep.trafficActions: FORWARD_DECAPSULATED, DUPLICATE_AS_IS, DROP): use a granted action, or ask an admin to grant it`],
      ['delivery to an address outside deliveryCidrs', set('spec.appTrafficRule.1.dstInterface.0.dstIpAddress', '192.0.2.60'),
        `traffic rules trafficRule2 deliver to a dstIpAddress or tunnel endpoint not granted by ${tenantSays} (spec.mep.deliveryCidrs: 10.10.10.0/24, 11.11.11.0/24, 192.0.2.48/29): deliver inside them, or ask an admin to grant the address`],
      ['a tunnel endpoint outside deliveryCidrs (IPv6)', set('spec.appTrafficRule.0.dstInterface.0.tunnelInfo.tunnelSrcAddress', '2001:db8::1'),
        'traffic rules trafficRule1 deliver to a dstIpAddress or tunnel endpoint not granted by'],
      ['a MAC the Tenant does not list', set('spec.appTrafficRule.0.dstInterface.0.dstMacAddress', '02:00:00:00:00:02'),
        `traffic rules trafficRule1 deliver to a dstMacAddress not granted by ${tenantSays} (spec.mep.deliveryMacAddresses: 02:00:00:00:00:01): use a granted one, or ask an admin to grant it`],
      ['a name that only ends like a suffix', set('spec.appDNSRule.0.domainName', 'evil-positioningservice.org'),
        `DNS rules dnsRule1 (evil-positioningservice.org) answer for names not granted by ${tenantSays} (spec.mep.dnsSuffixes: mec.example, positioningservice.org): use a name at or below one of them, or ask an admin to grant the suffix`],
      ['an answer outside dnsAnswerCidrs', set('spec.appDNSRule.1.ipAddress', '2001:db8:31::17'),
        `DNS rules dnsRule2 (2001:db8:31::17) answer with addresses not granted by ${tenantSays} (spec.mep.dnsAnswerCidrs: 172.30.2.0/24, 2001:db8:30::/48): answer inside them, or ask an admin to grant the address`],
    ];
    for (const [what, edit, expected] of refusals) {
      it(`are refused for ${what}`, async () => assertRefused(await tryRule(rule(ns.a, edit)), 'tenant-rules', expected));
    }

    it('are refused by a Tenant without spec.mep for any traffic or DNS rule', async () => {
      assertRefused(await tryRule(rule(ns.shop)), 'tenant-rules',
        `traffic rules trafficRule1 (FORWARD_DECAPSULATED), trafficRule2 (DUPLICATE_AS_IS), blockedRange (DROP) use actions not granted by Tenant ${shop}, which governs namespace ${ns.shop} (spec.mep.trafficActions: none)`);
    });

    it('are judged again on an update that changes the spec, but an update that leaves it alone passes a narrowed grant', async function () {
      this.timeout(60_000);
      const stored = await rules.create(rule(ns.a, set('metadata.name', 'kept')) as unknown as KubeObject);
      // The admin narrows the grant: DROP (the blockedRange rule's action) is no longer granted.
      await tenants.patch(teamA, undefined, 'merge', { spec: { mep: { trafficActions: ['FORWARD_DECAPSULATED', 'DUPLICATE_AS_IS'] } } });
      let answer = '';
      await waitFor('the narrowed grant in force', async () => {
        answer = await tryRule(rule(ns.a, set('metadata.name', 'probe')));
        return answer.startsWith('403');
      }, 30_000, 250);
      assertRefused(answer, 'tenant-rules', 'traffic rules blockedRange (DROP) use actions not granted by');
      try {
        await rules.patch('kept', ns.a, 'merge', { spec: { appTrafficRule: [(stored as unknown as { spec: { appTrafficRule: object[] } }).spec.appTrafficRule[2]] } });
        assert.fail('a spec change beyond the grant was admitted');
      } catch (error) {
        assert.ok(error instanceof ApiError && error.code === 403, String(error));
        assert.match(error.message, /traffic rules blockedRange \(DROP\) use actions not granted by/);
      }
      // Labels and finalizers (the operator's own writes) and deletion are not the grant's business.
      await rules.patch('kept', ns.a, 'merge', { metadata: { labels: { ...label, touched: 'yes' }, finalizers: ['mecm.io/test'] } });
      await rules.patch('kept', ns.a, 'merge', { metadata: { finalizers: null } });
      await rules.delete('kept', ns.a);
      await tenants.patch(teamA, undefined, 'merge', { spec: { mep: sampleMep } });
    });

    it('of the largest AppRule are judged against the largest grant within the CEL budget', async () => {
      const cidrs = Array.from({ length: 64 }, (_, i) => `2001:db8:${i.toString(16)}::/48`);
      const largeMep = {
        trafficActions: ['DUPLICATE_AS_IS'], deliveryCidrs: cidrs, dnsAnswerCidrs: cidrs,
        deliveryMacAddresses: Array.from({ length: 64 }, (_, i) => `02:00:00:00:00:${i.toString(16).padStart(2, '0')}`),
        dnsSuffixes: Array.from({ length: 64 }, (_, i) => `s${i}.${'b'.repeat(60)}.mec.example`),
      };
      const big = `adm-${run}-big`;
      const bigNs = `${big}-hub`;
      await new ResourceClient<KubeObject>(hub, coreTypes.namespace).create({ metadata: { name: bigNs } });
      await tenants.create(tenant(big, { namespaces: [bigNs], hosts: { selector: {} }, mep: largeMep as TenantSpec['mep'] }));
      try {
        const iface = { interfaceType: 'TUNNEL', tunnelInfo: { tunnelType: 'GRE', tunnelDstAddress: '2001:db8:3f::1', tunnelSrcAddress: '2001:db8:3f::2' }, dstMacAddress: '02:00:00:00:00:3f' };
        const largest = rule(bigNs,
          set('spec.appTrafficRule', Array.from({ length: 16 }, (_, i) => ({
            trafficRuleId: `rule-${i}`, filterType: 'FLOW', priority: i + 1, trafficFilter: [{ dstAddress: ['192.0.2.0/24'] }],
            action: 'DUPLICATE_AS_IS', dstInterface: [{ ...iface, interfaceType: 'IP', dstIpAddress: '2001:db8:3f::3' }, iface],
          }))),
          set('spec.appDNSRule', Array.from({ length: 32 }, (_, i) => ({
            // Long names under the last suffix: the most work the rule can be made to do.
            dnsRuleId: `dns-${i}`, domainName: `${'a'.repeat(63)}.${'c'.repeat(63)}.x${i}.s63.${'b'.repeat(60)}.mec.example`,
            ipAddressType: 'IP_V6', ipAddress: `2001:db8:3f::${i + 1}`,
          }))));
        // The Tenant is new: admitted only once the policy sees it as a parameter, so wait for a
        // refusal first, then for the largest rule's answer.
        await waitFor('the large grant in force', async () => (await tryRule(rule(bigNs))).startsWith('403'), 30_000, 250);
        assert.equal(await tryRule(largest), 'created');
      } finally {
        await tenants.delete(big).catch(() => undefined);
        await new ResourceClient<KubeObject>(hub, coreTypes.namespace).delete(bigNs).catch(() => undefined);
      }
    });
  });

  it('leaves a namespace no Tenant lists to the operator: nothing is refused at admission there', async () => {
    assert.equal(await tryInstance(instance(ns.free, 'anywhere', 'any-host')), 'created');
    assert.equal(await tryRule(rule(ns.free, set('spec.hostRef.name', 'any-host'), set('spec.appTrafficRule.2.action', 'PASSTHROUGH'))), 'created');
  });
});
