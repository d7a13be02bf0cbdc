import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Value } from 'typebox/value';
import type { Cluster } from '../../../testenv/src/environment.js';
import { waitFor } from '../../../testenv/src/process.js';
import { crdDefinitions } from '../../src/api/crds.js';
import { crdName } from '../../src/api/schema/crd.js';
import { build, sample, sampleKinds, samples, set, type Manifest, type SampleKind } from '../fixtures/samples.js';
import { envStartTimeoutMs, sharedEnv } from '../support/env.js';
import { kubectl, type CommandResult } from '../support/kubectl.js';
import { invalidCreates, invalidUpdates } from './invalid-cases.js';
import { printerCases } from './printer-cases.js';

const crdsDir = fileURLToPath(new URL('../../../crds/', import.meta.url));
const clusterScoped = new Set(crdDefinitions.filter((d) => d.scope === 'Cluster').map((d) => d.kind));

describe('CRDs on a real kube-apiserver', function () {
  let hub: Cluster;
  // Objects of this run live in their own namespace, and cluster-scoped ones get a suffix, so
  // other suites sharing the hub neither see them nor collide with them.
  const suffix = randomBytes(3).toString('hex');
  const namespace = `crd-test-${suffix}`;

  /** The manifest as this run sends it: in its namespace, or renamed when cluster-scoped. */
  function placed(kind: SampleKind, manifest: Manifest): Manifest {
    const copy = structuredClone(manifest);
    const metadata = copy.metadata as { name: string; namespace?: string };
    if (clusterScoped.has(kind)) metadata.name = `${metadata.name}-${suffix}`;
    else metadata.namespace = namespace;
    return copy;
  }

  function run(args: string[], manifest?: Manifest): Promise<CommandResult> {
    return kubectl(hub, args, manifest === undefined ? undefined : JSON.stringify(manifest));
  }

  async function must(args: string[], manifest?: Manifest): Promise<string> {
    const result = await run(args, manifest);
    assert.equal(result.code, 0, `kubectl ${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  }

  before(async function () {
    this.timeout(envStartTimeoutMs);
    ({ hub } = await sharedEnv());
    await must(['apply', '--server-side', '--force-conflicts', '--field-manager=mecm-crd-test', '-f', crdsDir]);
    await must(['wait', '--for=condition=Established', '--timeout=60s', ...crdDefinitions.map((d) => `crd/${crdName(d)}`)]);
    await must(['create', 'namespace', namespace]);
  });

  after(async function () {
    this.timeout(60_000);
    if (!hub) return;
    await run(['delete', 'namespace', namespace, '--wait=false', '--ignore-not-found']);
    await run(['delete', 'edgehosts,tenants', '-l', `mecm.io/crd-test=${suffix}`, '--ignore-not-found']);
  });

  it('installs every CRD Established, with structural schemas and accepted names', async () => {
    for (const def of crdDefinitions) {
      const crd = JSON.parse(await must(['get', `crd/${crdName(def)}`, '-o', 'json'])) as {
        status: { conditions: { type: string; status: string; message: string }[] };
      };
      const byType = new Map(crd.status.conditions.map((c) => [c.type, c]));
      assert.equal(byType.get('Established')?.status, 'True', def.kind);
      assert.equal(byType.get('NamesAccepted')?.status, 'True', def.kind);
      assert.equal(byType.get('NonStructuralSchema'), undefined, `${def.kind}: ${byType.get('NonStructuralSchema')?.message ?? ''}`);
    }
  });

  it('serves the kinds with their short names under the mecm category', async () => {
    // Discovery catches up with new CRDs a moment after they are Established.
    await waitFor('the mecm category in discovery', async () => {
      const names = (await must(['api-resources', '--categories=mecm', '-o', 'name'])).trim().split('\n').sort();
      assert.deepEqual(names, ['appdeployments.mecm.io', 'appinstances.mecm.io', 'apppackages.mecm.io', 'apprules.mecm.io', 'edgehosts.mecm.io', 'notificationsubscriptions.mecm.io', 'tenants.mecm.io']);
      return true;
    }, 30_000);
    const wide = await must(['api-resources', '--api-group=mecm.io', '--no-headers']);
    for (const def of crdDefinitions) {
      const line = wide.split('\n').find((l) => l.startsWith(`${def.plural} `));
      assert.ok(line, `${def.plural} is served`);
      for (const short of def.shortNames) assert.match(line, new RegExp(`\\b${short}\\b`));
      assert.match(line, def.scope === 'Namespaced' ? /\btrue\b/ : /\bfalse\b/);
    }
  });

  const explained: { path: string; expect: string[] }[] = [
    { path: 'edgehost.spec.location', expect: ['Where the edge site is.', 'city', 'coordinates', '-required-'] },
    { path: 'apppackage.spec.verification.manifestHashes', expect: ['ENUM: Strict Warn Skip', 'often carry placeholder hashes'] },
    { path: 'appinstance.spec.hostRef', expect: ['It cannot change', 'Name of the EdgeHost.'] },
    { path: 'apprule.spec.appTrafficRule.trafficFilter.srcAddress', expect: ['Source addresses or CIDRs'] },
    { path: 'tenant.spec.edgeNamespaces', expect: ['Default: <tenant name>-*', 'most specifically'] },
    { path: 'notificationsubscription.spec.callbackUri', expect: ['--north-callback-allowlist', 'follows no redirects'] },
    { path: 'appdeployment.spec.placement', expect: ['Picks are stable', 'hostSelector', 'spreadByLabel'] },
  ];
  for (const { path, expect } of explained) {
    it(`kubectl explain ${path} teaches the field`, async () => {
      // The API server publishes a new CRD's OpenAPI a moment after it is Established.
      await waitFor(`kubectl explain ${path}`, async () => {
        // kubectl wraps descriptions to the terminal; compare with whitespace collapsed.
        const out = (await must(['explain', path])).replace(/\s+/g, ' ');
        for (const text of expect) assert.ok(out.includes(text), `"${text}" not in: ${out}`);
        return true;
      }, 30_000);
    });
  }

  for (const kind of sampleKinds) {
    it(`accepts samples/mecm.io_v1alpha1_${kind.toLowerCase()}.yaml, defaulting as the TypeBox schema does`, async () => {
      const def = crdDefinitions.find((d) => d.kind === kind);
      assert.ok(def);
      for (const object of samples(kind)) {
        // Right after Established the endpoint may still answer NotFound; validation answers do not change.
        let out = '';
        await waitFor(`a dry-run create of a ${kind}`, async () => {
          out = await must(['create', '--dry-run=server', '-o', 'json', '-f', '-'], placed(kind, object));
          return true;
        }, 30_000);
        // Controllers may fill defaults with Value.Default(schema, spec): it must agree with the API server.
        const served = (JSON.parse(out) as Manifest).spec;
        assert.deepEqual(served, Value.Default(def.spec, structuredClone(object.spec)));
      }
    });
  }

  for (const c of printerCases) {
    it(`takes a ${c.kind} status through /status and prints its columns`, async () => {
      const object = placed(c.kind, sample(c.kind));
      const metadata = object.metadata as { name: string; labels?: Record<string, string> };
      metadata.labels = { ...metadata.labels, 'mecm.io/crd-test': suffix };
      // Keep any running operator's hands off: these objects point at nothing real.
      if (c.kind === 'EdgeHost') Object.assign(object.spec as object, { paused: true });
      if (c.kind === 'AppPackage' || c.kind === 'AppInstance' || c.kind === 'NotificationSubscription') Object.assign(object.spec as object, { suspend: true });
      if (c.kind === 'AppDeployment') Object.assign(object.spec as object, { rollout: { paused: true } });
      const where = clusterScoped.has(c.kind) ? [] : ['-n', namespace];
      await must(['create', '-f', '-', ...where], object);
      await must(['patch', c.shortName, metadata.name, ...where, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: c.status })]);
      const [header, line] = (await must(['get', c.shortName, metadata.name, ...where])).trim().split('\n').map((l) => l.trim().split(/\s{2,}/));
      assert.deepEqual(header, c.header);
      assert.deepEqual(line?.slice(1, -1), c.row);
    });
  }

  describe(`refuses ${invalidCreates.length} invalid specs on create`, () => {
    for (const row of invalidCreates) {
      it(row.name, async () => {
        const result = await run(['create', '--dry-run=server', '-o', 'name', '-f', '-'], placed(row.kind, row.manifest));
        assert.notEqual(result.code, 0, `accepted: ${result.stdout}`);
        assert.ok(result.stderr.includes(row.expect), `expected "${row.expect}" in:\n${result.stderr}`);
        // kubectl lists several causes as "is invalid: [a, b]": the row's fault must be the only one.
        assert.ok(!result.stderr.includes('is invalid: ['), `more than one fault:\n${result.stderr}`);
      });
    }
  });

  describe(`refuses ${invalidUpdates.length} changes to immutable fields`, () => {
    for (const [i, row] of invalidUpdates.entries()) {
      it(row.name, async () => {
        const original = placed(row.kind, row.original ?? {});
        const changed = placed(row.kind, row.manifest);
        for (const m of [original, changed]) {
          // A fresh object per row, so rows do not depend on each other.
          (m.metadata as { name: string }).name = `immutable-${i}`;
          if (row.kind === 'AppInstance') Object.assign(m.spec as object, { suspend: true });
        }
        await must(['create', '-f', '-'], original);
        const result = await run(['replace', '--dry-run=server', '-o', 'name', '-f', '-'], changed);
        assert.notEqual(result.code, 0, `accepted: ${result.stdout}`);
        assert.ok(result.stderr.includes(row.expect), `expected "${row.expect}" in:\n${result.stderr}`);
        assert.ok(!result.stderr.includes('is invalid: ['), `more than one fault:\n${result.stderr}`);
      });
    }
  });

  it('accepts an AppRule at every list limit at once, within the CEL runtime budget', async () => {
    const addresses = (n: number) => Array.from({ length: n }, (_, i) => `2001:db8:${i.toString(16)}::/48`);
    const ports = (n: number) => Array.from({ length: n }, (_, i) => String(65535 - i));
    const ips = (n: number) => Array.from({ length: n }, (_, i) => `192.0.2.${i + 1}`);
    const filter = {
      srcAddress: addresses(16), dstAddress: addresses(16), srcPort: ports(16), dstPort: ports(16),
      protocol: Array(8).fill('TCP'), tag: Array(8).fill('t'), srcTunnelAddress: ips(8), tgtTunnelAddress: ips(8),
      srcTunnelPort: ports(8), dstTunnelPort: ports(8), qCI: 255, dSCP: 63, tC: 255,
    };
    const iface = { interfaceType: 'TUNNEL', tunnelInfo: { tunnelType: 'GRE', tunnelDstAddress: '192.0.2.1', tunnelSrcAddress: '2001:db8::1' } };
    const largest = build('AppRule', set('metadata.name', 'largest'),
      set('spec.appTrafficRule', Array.from({ length: 16 }, (_, i) => ({
        trafficRuleId: `rule-${i}`, filterType: 'FLOW', priority: i + 1, trafficFilter: Array(8).fill(filter),
        action: 'DUPLICATE_AS_IS', dstInterface: [iface, iface],
      }))),
      set('spec.appDNSRule', Array.from({ length: 32 }, (_, i) => ({
        dnsRuleId: `dns-${i}`, domainName: `s${i}.${'a'.repeat(60)}.mec.example`, ipAddressType: 'IP_V6', ipAddress: `2001:db8::${i + 1}`,
      }))));
    await must(['create', '--dry-run=server', '-o', 'name', '-f', '-'], placed('AppRule', largest));
  });

  it('allows changing what may change: packageRef (upgrade) and desiredState (operate)', async () => {
    const original = placed('AppInstance', sample('AppInstance'));
    (original.metadata as { name: string }).name = 'mutable';
    Object.assign(original.spec as object, { suspend: true });
    await must(['create', '-f', '-'], original);
    const changed = structuredClone(original);
    Object.assign(changed.spec as object, { packageRef: { name: 'etherpad-1.1' }, desiredState: 'Stopped' });
    await must(['replace', '--dry-run=server', '-o', 'name', '-f', '-'], changed);
  });
});
