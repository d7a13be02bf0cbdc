import assert from 'node:assert/strict';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { crdDefinitions } from '../../src/api/crds.js';
import type { AppInstance } from '../../src/api/appinstance.js';
import type { AppRule } from '../../src/api/apprule.js';
import type { EdgeHost } from '../../src/api/edgehost.js';
import type { NotificationSubscription } from '../../src/api/notificationsubscription.js';
import type { Tenant } from '../../src/api/tenant.js';
import { customResourceDefinition } from '../../src/api/schema/crd.js';
import { build, sampleKinds, samples, set, type Manifest, type SampleKind } from '../fixtures/samples.js';
import { openApiSchema, walkSchema, type SchemaNode } from './schema-walk.js';
import { edgeNamespaceVerdict, governanceOf, hostVerdict } from '../../src/tenancy/governance.js';
import { ruleGrantProblems } from '../../src/tenancy/rules.js';

// ajv checks the OpenAPI part of the schemas (types, enums, patterns, limits); the CEL rules
// need an API server and are covered by operator/test/crds.

/** The CRD schema with unknown fields refused, as `kubectl apply` with strict field validation does. */
function closedSchema(kind: SampleKind): SchemaNode {
  const def = crdDefinitions.find((d) => d.kind === kind);
  if (!def) throw new Error(`no CRD for ${kind}`);
  const schema = openApiSchema(customResourceDefinition(def));
  walkSchema(schema, (node) => {
    if (node.properties !== undefined && node['x-kubernetes-preserve-unknown-fields'] !== true) node.additionalProperties = false;
  });
  return schema;
}

function validatorFor(kind: SampleKind): ValidateFunction {
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
  addFormats.default(ajv);
  ajv.addFormat('int32', true).addFormat('int64', true);
  ajv.addVocabulary(['x-kubernetes-validations', 'x-kubernetes-list-type', 'x-kubernetes-list-map-keys',
    'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-int-or-string', 'x-kubernetes-map-type']);
  return ajv.compile(closedSchema(kind));
}

function errorsOf(validate: ValidateFunction, manifest: Manifest): string {
  return validate(manifest) ? '' : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`).join('\n');
}

describe('samples/', () => {
  for (const kind of sampleKinds) {
    it(`mecm.io_v1alpha1_${kind.toLowerCase()}.yaml validates against the ${kind} schema`, () => {
      const validate = validatorFor(kind);
      const objects = samples(kind);
      assert.ok(objects.length > 0);
      for (const object of objects) {
        assert.equal(object.kind, kind);
        assert.equal(object.apiVersion, 'mecm.io/v1alpha1');
        assert.equal(errorsOf(validate, object), '', `${kind} ${String((object.metadata as { name?: string }).name)}`);
      }
    });
  }

  it('has two EdgeHosts, edge-1 and edge-2, with Secrets in mecm-system', () => {
    const hosts = samples('EdgeHost');
    assert.deepEqual(hosts.map((h) => (h.metadata as { name: string }).name), ['edge-1', 'edge-2']);
    for (const host of hosts) {
      const ref = (host.spec as { infrastructure: { kubeconfigSecretRef: { namespace: string } } }).infrastructure.kubeconfigSecretRef;
      assert.equal(ref.namespace, 'mecm-system');
    }
  });

  it('names every EdgeHost Secret in mecm-system, the only namespace the operator reads them from', () => {
    for (const host of samples('EdgeHost') as unknown as EdgeHost[]) {
      const { infrastructure, repository, mep } = host.spec;
      for (const ref of [infrastructure.kubeconfigSecretRef, repository.credentialsSecretRef, repository.caSecretRef, mep?.tokenSecretRef, mep?.caSecretRef]) {
        if (ref) assert.equal(ref.namespace ?? 'mecm-system', 'mecm-system', `${host.metadata.name}: Secret ${ref.name}`);
      }
    }
  });

  it('the Tenant sample governs the other samples\' namespace and grants what they use', () => {
    const [tenant] = samples('Tenant') as unknown as Tenant[];
    const hosts = samples('EdgeHost') as unknown as EdgeHost[];
    const [instance] = samples('AppInstance') as unknown as AppInstance[];
    const [rule] = samples('AppRule') as unknown as AppRule[];
    const g = governanceOf(instance!.metadata.namespace ?? '', [tenant!], true);
    assert.equal(g.kind, 'Governed');
    for (const host of hosts) assert.deepEqual(hostVerdict(g, { name: host.metadata.name ?? '', labels: host.metadata.labels }), { ok: true }, host.metadata.name);
    assert.deepEqual(edgeNamespaceVerdict(g, instance!.spec.namespace), { ok: true });
    assert.deepEqual(ruleGrantProblems('team-a', tenant!.spec.mep, rule!.spec), []);
    assert.deepEqual(ruleGrantProblems('team-a', tenant!.spec.mep, instance!.spec.rules ?? {}), []);
    // The grant is not wider than that: one more action, address or name is refused.
    const wider = { appTrafficRule: rule!.spec.appTrafficRule?.map((r) => ({ ...r, action: 'PASSTHROUGH' as const })) };
    assert.equal(ruleGrantProblems('team-a', tenant!.spec.mep, wider).length, rule!.spec.appTrafficRule?.length);
    assert.equal(edgeNamespaceVerdict(g, 'team-b-web').ok, false);
  });

  it('the NotificationSubscription sample follows the other samples\' namespace and hosts, signed', () => {
    const [subscription] = samples('NotificationSubscription') as unknown as NotificationSubscription[];
    const [instance] = samples('AppInstance') as unknown as AppInstance[];
    assert.equal(subscription!.metadata.namespace, instance!.metadata.namespace);
    const hosts = samples('EdgeHost').map((h) => (h.metadata as { name: string }).name);
    for (const host of subscription!.spec.filter?.hosts ?? []) assert.ok(hosts.includes(host), host);
    assert.ok(subscription!.spec.filter?.hosts?.includes(instance!.spec.hostRef.name), 'the instance sample is followed');
    assert.match(subscription!.spec.callbackUri, /^https:\/\//);
    assert.ok(subscription!.spec.secretRef, 'notifications are signed');
  });

  it('the validator refuses what the schema forbids (so the checks above mean something)', () => {
    const validate = validatorFor('AppRule');
    assert.match(errorsOf(validate, build('AppRule', set('spec.appTrafficRule.0.priority', 0))), /priority must be >= 1/);
    assert.match(errorsOf(validate, build('AppRule', set('spec.appTrafficRule.0.colour', 'red'))), /must NOT have additional properties/);
    assert.match(errorsOf(validate, build('AppRule', set('spec.appDNSRule.0.ipAddressType', 'IPV4'))), /must be equal to one of the allowed values/);
  });
});
