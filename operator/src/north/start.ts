/**
 * North in the operator process: `prepareNorth` (before the manager starts: the informers and
 * the user-bindings controller are registered) and then `serve` (after the caches synced).
 * Off unless --north-bind-address is set; needs --north-registry for uploads; without TLS files
 * it serves plain HTTP on loopback only, unless --north-insecure-http says a proxy terminates TLS.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OperatorConfig } from '../config.js';
import { SecretValues } from '../controllers/secret-values.js';
import type { SecretObject } from '../controllers/secrets.js';
import { EdgeClients } from '../edge/clients.js';
import { KubernetesPlugin } from '../lcm/kubernetes/plugin.js';
import { LcmPluginRegistry } from '../lcm/registry.js';
import { coreTypes, type KubeObject } from '../runtime/kube/resource.js';
import { ResourceClient } from '../runtime/kube/resource-client.js';
import type { Manager } from '../runtime/manager.js';
import { isLoopback, parseBindAddress } from '../runtime/serve.js';
import { KubeAccessReviewer } from './auth/access.js';
import { TokenAuthenticator } from './auth/authenticate.js';
import { AppstoreJwtVerifier } from './auth/jwt.js';
import type { NorthDeps } from './deps.js';
import { readThroughPlugin, TimedEdgeResources } from './edge-resources.js';
import { RegistryPackageBytes } from './package-bytes.js';
import { serveNorth, type RunningNorth } from './server.js';
import { registerUserBindingsController } from './user-bindings-controller.js';
import { InformerView } from './view.js';
import { HubWriter } from './writer.js';

export interface PreparedNorth {
  serve(): Promise<RunningNorth>;
}

/** Checks North's flags and registers what it needs with the manager; undefined when North is off. Throws on bad settings. */
export function prepareNorth(manager: Manager, config: OperatorConfig): PreparedNorth | undefined {
  const bind = parseBindAddress(config.northBindAddress);
  if (!bind) return undefined;
  const north = config.north;
  const tls = north.tlsCertFile && north.tlsKeyFile ? { certFile: north.tlsCertFile, keyFile: north.tlsKeyFile } : undefined;
  if ((north.tlsCertFile === undefined) !== (north.tlsKeyFile === undefined)) throw new Error('--north-tls-cert-file and --north-tls-key-file go together');
  if (!tls && !north.insecureHttp && !isLoopback(bind.host)) {
    throw new Error(`--north-bind-address ${config.northBindAddress}: without --north-tls-cert-file/--north-tls-key-file North is served on a loopback address only (or set --north-insecure-http behind a TLS proxy)`);
  }
  if (!north.registry) throw new Error('North needs --north-registry: the hub-side OCI registry where uploaded packages are stored');
  const jwt = north.jwtPublicKeyFile || north.jwtJwksUrl ? new AppstoreJwtVerifier({
    ...(north.jwtPublicKeyFile ? { publicKeyPem: readFileSync(north.jwtPublicKeyFile, 'utf8') } : { jwksUrl: north.jwtJwksUrl }),
    issuer: north.jwtIssuer, audience: north.jwtAudience, userPrefix: north.jwtUserPrefix, roleGroups: north.jwtRoleGroups,
  }) : undefined;
  const log = manager.log.child({ component: 'north' });
  // North's own edge clients and plugin, for reads only (an instance's Pods and Services): the
  // controllers' are not shared with it, so North's reads never wait for helm slots of installs.
  const clients = new EdgeClients({
    qps: 5, burst: 10, onRequest: manager.metrics.observeRequest,
    policy: { allowExec: config.insecureKubeconfigExec, allowInsecureTls: config.insecureKubeconfigTls },
  });
  const plugin = new KubernetesPlugin({ helmBinary: config.helmBinary, clients });
  const view = new InformerView(manager, config.enforceTenancy);
  const deps: NorthDeps = {
    view,
    writer: new HubWriter(manager.hub),
    authenticator: new TokenAuthenticator(manager.hub, jwt),
    access: new KubeAccessReviewer(manager.hub),
    bytes: new RegistryPackageBytes({
      url: north.registry, timeoutMs: config.requestTimeoutSeconds * 1000,
      ...(north.registryUsername && north.registryPassword ? { credentials: { username: north.registryUsername, password: north.registryPassword } } : {}),
    }),
    edge: new TimedEdgeResources({
      log,
      read: readThroughPlugin({
        plugins: new LcmPluginRegistry([plugin]), host: (name) => view.host(name),
        secrets: new SecretValues(manager.informer<KubeObject>(coreTypes.secret, { metadataOnly: true, namespace: config.namespace }),
          new ResourceClient<SecretObject>(manager.hub, coreTypes.secret), config.namespace),
      }),
    }),
    log,
    settings: {
      maxUploadBytes: north.maxUploadBytes, scratchDir: join(config.dataDir, 'north'), deleteWaitMs: north.deleteWaitSeconds * 1000,
      operatorNamespace: config.namespace,
    },
  };
  registerUserBindingsController(manager, { role: north.tenantRole, userPrefix: north.jwtUserPrefix });
  return {
    async serve() {
      const running = await serveNorth(deps, bind, tls);
      return {
        ...running,
        async close() {
          await running.close();
          await plugin.close();
          clients.close();
        },
      };
    },
  };
}
