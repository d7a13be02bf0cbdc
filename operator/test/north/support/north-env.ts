/**
 * North on the real hub, for the suites: the operator's controllers (startOperator, as the
 * chart's ServiceAccount) with a Tenant that maps an appstore tenant id, the chart's North RBAC,
 * a hub-side registry, two EdgeHosts with addresses (and a MEP simulator each), and North served
 * by a second Manager built from the operator's own flags (parseConfig → prepareNorth) — a
 * replica that serves North from its caches while the first one reconciles.
 *
 *   const north = await startNorth('order');   // north.url, north.tenantId, north.appstore(token)
 *   await north.stop();
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { MepSimulator } from '../../../../testenv/src/mep-simulator.js';
import type { EdgeHost } from '../../../src/api/edgehost.js';
import { mecmTypes } from '../../../src/api/resources.js';
import { parseConfig } from '../../../src/config.js';
import type { RunningNorth } from '../../../src/north/server.js';
import { prepareNorth } from '../../../src/north/start.js';
import { coreTypes, type KubeObject } from '../../../src/runtime/kube/resource.js';
import { ResourceClient } from '../../../src/runtime/kube/resource-client.js';
import { Manager } from '../../../src/runtime/manager.js';
import { kubectl, runCommand } from '../../support/kubectl.js';
import { testLogger } from '../../support/logger.js';
import { operatorKubeConfig, operatorNamespace, operatorRelease } from '../../support/operator-identity.js';
import { startOperator, type TestOperator } from '../../support/operator.js';
import { AppstoreClient } from './appstore-client.js';

export const readerGroup = 'mecm-north:readers';
export const readerRole = 'ROLE_APPSTORE_CLIENT';

export interface NorthEnv {
  readonly op: TestOperator;
  readonly namespace: string;
  readonly run: string;
  /** The appstore tenant (and user) id the suite's Tenant maps. */
  readonly tenantId: string;
  /** EdgeHost addresses, one per edge. */
  readonly hostIps: readonly string[];
  readonly hostNames: readonly string[];
  readonly url: string;
  /** A JWT of `userId` with `authorities`, signed with the key North trusts (or `key`). */
  jwt(userId: string, authorities?: readonly string[], options?: { key?: CryptoKey; expiresIn?: string }): Promise<string>;
  /** The appstore client with a JWT of the tenant's user. */
  appstore(): Promise<AppstoreClient>;
  stop(): Promise<void>;
}

const chart = fileURLToPath(new URL('../../../../charts/mecm-operator', import.meta.url));

/** The chart's North RBAC (tenant and reader roles, the operator's RoleBinding rights), applied to the hub. */
async function applyNorthRbac(op: TestOperator): Promise<void> {
  const helm = (await op.shared.hub.binaries).helm;
  const rendered = await runCommand(helm, ['template', operatorRelease, chart, '--namespace', operatorNamespace,
    '--set', 'north.enabled=true', '--set', 'north.registry=http://unused', '--set', 'north.insecureHttp=true',
    '--set', `north.readerGroup=${readerGroup}`, '--show-only', 'templates/north.yaml']);
  if (rendered.code !== 0) throw new Error(`helm template failed: ${rendered.stderr}`);
  const yaml = rendered.stdout.split('\n---\n').filter((doc) => !/kind: Service\n/.test(doc)).join('\n---\n');
  const applied = await kubectl(op.shared.hub, ['apply', '-f', '-'], yaml);
  if (applied.code !== 0) throw new Error(`applying North's RBAC failed: ${applied.stderr}`);
}

export async function startNorth(suite: string): Promise<NorthEnv> {
  const run = `${suite}-${Date.now().toString(36)}`;
  const namespace = `north-${run}`;
  const tenantId = randomUUID();
  const edgePattern = `nt-${run}-*`;
  const op = await startOperator({
    namespace, controllers: ['apppackage', 'apprule', 'appinstance'],
    grant: { appstore: { tenantIds: [tenantId], userIds: [tenantId] }, edgeNamespaces: [edgePattern], hosts: { selector: { matchLabels: { 'north-test': run } } } },
  });
  await applyNorthRbac(op);
  const registry = await op.shared.env.startRegistry('north');
  const dir = await mkdtemp(join(tmpdir(), 'mecm-north-'));
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  await writeFile(join(dir, 'jwt.pem'), await exportSPKI(publicKey));

  const secrets = new ResourceClient<KubeObject & { stringData: Record<string, string> }>(op.direct, coreTypes.secret);
  const hosts = new ResourceClient<EdgeHost>(op.direct, mecmTypes.edgeHost);
  const meps: MepSimulator[] = [];
  const octet = Number.parseInt(Date.now().toString().slice(-4), 10) % 250;
  const hostIps = op.shared.edges.map((_, i) => `10.${suite.length + 100}.${octet}.${i + 1}`);
  const hostNames = op.shared.edges.map((_, i) => `north-${run}-${i + 1}`);
  const mepToken = `north-${run}-mep`;
  await secrets.create({ metadata: { name: mepToken, namespace: operatorNamespace }, stringData: { token: 'mep-token' } });
  for (const [i, edge] of op.shared.edges.entries()) {
    meps.push(await MepSimulator.start({ token: 'mep-token', taskDurationMs: 50 }));
    await secrets.create({ metadata: { name: `${hostNames[i]}-kubeconfig`, namespace: operatorNamespace }, stringData: { kubeconfig: await edge.kubeconfig() } });
    await hosts.create({
      apiVersion: 'mecm.io/v1alpha1', kind: 'EdgeHost', metadata: { name: hostNames[i]!, labels: { 'north-test': run } },
      spec: {
        address: hostIps[i]!, location: { city: `city-${i + 1}` }, affinity: ['X86'],
        infrastructure: { type: 'kubernetes', kubeconfigSecretRef: { name: `${hostNames[i]}-kubeconfig` } },
        repository: { url: edge.registryUrl!, insecure: true },
        mep: { url: meps[i]!.url, tokenSecretRef: { name: mepToken } },
      },
    });
  }

  const config = parseConfig([
    '--north-bind-address=127.0.0.1:0', `--north-registry=${registry}`, `--north-jwt-public-key-file=${join(dir, 'jwt.pem')}`,
    `--north-jwt-role-groups=${readerRole}=${readerGroup}`, `--north-tenant-role=${operatorRelease}-north-tenant`,
    `--data-dir=${dir}`, '--north-delete-wait=120', `--namespace=${operatorNamespace}`, `--helm-binary=${(await op.shared.hub.binaries).helm}`,
  ], {});
  if (config === 'help') throw new Error('unreachable');
  const manager = await Manager.create({ hub: await operatorKubeConfig(op.shared.hub), log: testLogger() });
  const north = prepareNorth(manager, config);
  if (!north) throw new Error('North is off');
  await manager.start();
  const serving: RunningNorth = await north.serve();

  const jwt: NorthEnv['jwt'] = (userId, authorities = ['ROLE_APPSTORE_TENANT'], options = {}) =>
    new SignJWT({ userId, user_name: `user-${userId.slice(0, 8)}`, authorities: [...authorities] })
      .setProtectedHeader({ alg: 'RS256' }).setIssuedAt().setExpirationTime(options.expiresIn ?? '1h').sign(options.key ?? privateKey);

  return {
    op, namespace, run, tenantId, hostIps, hostNames, url: serving.url, jwt,
    appstore: async () => new AppstoreClient(serving.url, await jwt(tenantId)),
    async stop() {
      await serving.close();
      await manager.stop();
      for (const name of hostNames) await hosts.delete(name).catch(() => undefined);
      for (const name of [mepToken, ...hostNames.map((h) => `${h}-kubeconfig`)]) await secrets.delete(name, operatorNamespace).catch(() => undefined);
      await op.stop();
      for (const mep of meps) await mep.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
