/**
 * The one way a controller suite runs the operator: `startOperator` starts the shared
 * environment, installs the CRDs, makes the suite's namespace, and runs a Manager on the hub
 * with the controllers asked for — wired as the operator process wires them, with timings
 * short enough for tests. Options per controller override those timings.
 *
 * Tenancy is enforced, as in the operator's default: the suite's namespace gets a Tenant
 * (fixtures/tenant.ts: every EdgeHost, a wide MEP grant; `grant` adds or overrides fields, e.g.
 * the edge namespaces the suite installs into), deleted by `stop`.
 *
 * The Manager is authenticated as the chart's ServiceAccount with only the chart's RBAC
 * (operator-identity.ts), so every suite also proves the chart grants enough and no more is
 * needed. The operator's namespace is `operatorNamespace` (mecm-system): EdgeHost Secrets go
 * there, under names unique to the suite. The suite's own reads and writes use `direct` (admin).
 *
 *   const op = await startOperator({ namespace, controllers: ['apppackage'] });
 *   ...
 *   await op.stop();   // in after(): the manager, the hub client, the data folder
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerAppInstanceController, type AppInstanceControllerOptions } from '../../src/controllers/appinstance/controller.js';
import { registerAppPackageController, type AppPackageControllerOptions } from '../../src/controllers/apppackage/controller.js';
import { registerAppRuleController, type AppRuleControllerOptions } from '../../src/controllers/apprule/controller.js';
import { registerEdgeHostController, type EdgeHostControllerOptions } from '../../src/controllers/edgehost/controller.js';
import { registerTenantController, type TenantControllerOptions } from '../../src/controllers/tenant/controller.js';
import { mecmTypes } from '../../src/api/resources.js';
import type { Tenant, TenantSpec } from '../../src/api/tenant.js';
import { EdgeClients } from '../../src/edge/clients.js';
import { KubernetesPlugin } from '../../src/lcm/kubernetes/plugin.js';
import { LcmPluginRegistry } from '../../src/lcm/registry.js';
import { PackageStore } from '../../src/packages/store.js';
import { EventRecorder } from '../../src/runtime/events.js';
import type { KubeClient } from '../../src/runtime/kube/client.js';
import { coreTypes } from '../../src/runtime/kube/resource.js';
import { ResourceClient } from '../../src/runtime/kube/resource-client.js';
import { Manager } from '../../src/runtime/manager.js';
import { Tenancy } from '../../src/tenancy/tenancy.js';
import { testTenant } from '../fixtures/tenant.js';
import { installCrds } from './crds.js';
import { sharedEnv, type SharedEnv } from './env.js';
import { clientFor } from './hub-client.js';
import { testLogger } from './logger.js';
import { operatorKubeConfig, operatorNamespace } from './operator-identity.js';

export { operatorNamespace };

export type ControllerName = 'edgehost' | 'apppackage' | 'apprule' | 'appinstance' | 'tenant';

type Tuning<T> = Partial<Omit<T, 'events' | 'operatorNamespace' | 'tenancy'>>;

export interface StartOperatorOptions {
  /** The suite's hub namespace, created here (it must not exist yet). */
  readonly namespace: string;
  readonly controllers: readonly ControllerName[];
  readonly edgehost?: Tuning<EdgeHostControllerOptions>;
  readonly apppackage?: Tuning<AppPackageControllerOptions>;
  readonly apprule?: Tuning<AppRuleControllerOptions>;
  readonly appinstance?: Tuning<AppInstanceControllerOptions>;
  readonly tenant?: Tuning<TenantControllerOptions>;
  /** Fields of the suite's Tenant besides the defaults of fixtures/tenant.ts (namespaces: [namespace]). */
  readonly grant?: Partial<TenantSpec>;
  /** --enforce-tenancy (default true, as the operator's). */
  readonly enforceTenancy?: boolean;
}

export interface TestOperator {
  readonly shared: SharedEnv;
  /** An admin client of the hub, for the suite's own reads and writes. */
  readonly direct: KubeClient;
  readonly manager: Manager;
  /** The package cache (AppPackage and AppInstance read the same one). */
  readonly store: PackageStore;
  readonly dataDir: string;
  /** The name of the suite's Tenant. */
  readonly tenantName: string;
  stop(): Promise<void>;
}

export async function startOperator(options: StartOperatorOptions): Promise<TestOperator> {
  const shared = await sharedEnv();
  await installCrds(shared.hub);
  const direct = await clientFor(shared.hub);
  await new ResourceClient(direct, coreTypes.namespace).create({ metadata: { name: options.namespace } });
  // Before the manager starts, so the controllers see the grant in their first look.
  const tenants = new ResourceClient<Tenant>(direct, mecmTypes.tenant);
  const tenantName = (await tenants.create(testTenant(options.namespace, options.grant))).metadata.name ?? '';
  const dataDir = await mkdtemp(join(tmpdir(), 'mecm-operator-'));
  const store = new PackageStore(dataDir);
  const manager = await Manager.create({ hub: await operatorKubeConfig(shared.hub), log: testLogger() });
  const events = new EventRecorder(manager.hub, 'mecm-operator', 'test', testLogger());
  const wanted = new Set(options.controllers);
  const edgeClients = new EdgeClients({ qps: 5, burst: 10 });
  const tenancy = new Tenancy(manager.informer<Tenant>(mecmTypes.tenant), options.enforceTenancy ?? true);

  if (wanted.has('edgehost')) {
    registerEdgeHostController(manager, edgeClients, {
      workers: 8, defaultIntervalMs: 1000, defaultGraceMs: 3000, probeTimeoutMs: 2000, retryBaseMs: 200, ...options.edgehost, events, operatorNamespace,
    });
  }
  if (wanted.has('apppackage')) {
    registerAppPackageController(manager, {
      workers: 4, dataDir, maxPackageBytes: 64 << 20, timeoutMs: 10_000, deletionTimeoutMs: 30_000, retryErroredHostsMs: 2000,
      ...options.apppackage, events, operatorNamespace, tenancy,
    }, store);
  }
  if (wanted.has('apprule')) {
    registerAppRuleController(manager, {
      workers: 8, requestTimeoutMs: 2000, driftCheckMs: 1000, taskPollMs: 50, taskTimeoutMs: 3000, stalledRetryMs: 1000,
      ...options.apprule, events, operatorNamespace, tenancy,
    });
  }
  // Closed at stop: its edge caches watch the edges.
  const plugin = new KubernetesPlugin({ helmBinary: (await shared.hub.binaries).helm, clients: edgeClients, log: testLogger() });
  if (wanted.has('appinstance')) {
    registerAppInstanceController(manager, new LcmPluginRegistry([plugin]), store, {
      workers: 4, steadyCheckMs: 1000, waitMs: 300, deletionTimeoutMs: 60_000, ...options.appinstance, events, operatorNamespace, tenancy,
    });
  }
  if (wanted.has('tenant')) registerTenantController(manager, { workers: 2, ...options.tenant, events });
  await manager.start();

  return {
    shared, direct, manager, store, dataDir, tenantName,
    async stop() {
      await manager.stop();
      await plugin.close();
      await tenants.delete(tenantName).catch(() => undefined);
      edgeClients.close();
      direct.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
