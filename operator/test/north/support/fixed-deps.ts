/**
 * North's dependencies made of plain data, for fastify inject tests of what North decides
 * before it writes anything: a view over given objects, callers by token, access by a table,
 * and a writer and byte store that fail the test if a refused request reaches them.
 */
import type { AppInstance } from '../../../src/api/appinstance.js';
import type { AppPackage } from '../../../src/api/apppackage.js';
import type { EdgeHost } from '../../../src/api/edgehost.js';
import type { Tenant } from '../../../src/api/tenant.js';
import type { AccessQuestion, AccessReviewer } from '../../../src/north/auth/access.js';
import { tokenOf, type Authenticator } from '../../../src/north/auth/authenticate.js';
import type { Caller } from '../../../src/north/auth/caller.js';
import type { NorthDeps } from '../../../src/north/deps.js';
import { unauthorized } from '../../../src/north/errors.js';
import { addressesOf } from '../../../src/controllers/edgehost/addresses.js';
import type { NorthView } from '../../../src/north/view.js';
import type { NorthWriter } from '../../../src/north/writer.js';
import { governanceOf } from '../../../src/tenancy/governance.js';
import { testLogger } from '../../support/logger.js';

export interface World {
  tenants: Tenant[];
  hosts: EdgeHost[];
  packages: AppPackage[];
  instances: AppInstance[];
}

export function dataView(world: World): NorthView {
  const at = (ns: string, name: string) => <T extends { metadata: { namespace?: string; name?: string } }>(o: T) => o.metadata.namespace === ns && o.metadata.name === name;
  return {
    tenants: () => world.tenants,
    governance: (ns) => governanceOf(ns, world.tenants, true),
    hosts: () => world.hosts,
    hostsAt: (address) => world.hosts.filter((h) => addressesOf(h).includes(address)),
    host: (name) => world.hosts.find((h) => h.metadata.name === name),
    // Tests change the world between requests: any change is a new revision.
    inventoryRevision: () => JSON.stringify([world.tenants, world.hosts]),
    appPackage: (ns, name) => world.packages.find(at(ns, name)),
    appInstance: (ns, name) => world.instances.find(at(ns, name)),
    appPackages: (ns) => world.packages.filter((p) => p.metadata.namespace === ns),
    appInstancesLabelled: (ns, key, value) => world.instances.filter((i) => i.metadata.namespace === ns && i.metadata.labels?.[key] === value),
    settled: async (done) => done(),
  };
}

/** Callers by token; any other token is refused. */
export function tokenCallers(callers: Readonly<Record<string, Caller>>): Authenticator {
  return {
    identify: async (headers) => {
      const token = tokenOf(headers);
      const caller = token ? callers[token] : undefined;
      if (!caller) throw unauthorized('Authorization failed');
      return caller;
    },
  };
}

/** Access by `allow(caller, question)`. */
export function accessBy(allow: (caller: Caller, q: AccessQuestion) => boolean): AccessReviewer {
  return { allowed: async (caller, q) => allow(caller, q) };
}

const unreachable = (what: string) => async (): Promise<never> => {
  throw new Error(`${what} must not be reached by this request`);
};

export const refusingWriter: NorthWriter = {
  createAll: unreachable('createAll'), remove: unreachable('remove'), setPackageHosts: unreachable('setPackageHosts'),
  removeEdgeHost: unreachable('removeEdgeHost'), createSecret: unreachable('createSecret'),
};

export function fixedDeps(world: World, overrides: Partial<NorthDeps> = {}): NorthDeps {
  return {
    view: dataView(world),
    writer: refusingWriter,
    authenticator: tokenCallers({}),
    access: accessBy(() => false),
    bytes: { put: unreachable('bytes.put'), release: unreachable('bytes.release') },
    edge: { of: async () => undefined },
    log: testLogger(),
    settings: { maxUploadBytes: 1 << 20, scratchDir: '/tmp/mecm-north-test', deleteWaitMs: 100, operatorNamespace: 'mecm-system' },
    ...overrides,
  };
}
