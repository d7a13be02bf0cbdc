/**
 * The order flow (EdgeGallery's mecm-north, /north/v1): the host list, a package upload that
 * becomes an AppPackage and one AppInstance per host, its status in EdgeGallery's words, its
 * deletion, and a host's health. shared/notes/appstore-contracts.md section A says what the
 * appstore sends and reads; docs/north.md says how it maps to CRs.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import type { AppInstance } from '../../api/appinstance.js';
import { isTrue } from '../../runtime/conditions.js';
import { acceptUpload } from '../accept-upload.js';
import { requireAccess } from '../auth/access.js';
import { appstoreUserId } from '../auth/caller.js';
import { enterTenant, grantedHost, requester } from '../context.js';
import { deploymentState, worstFirst } from '../deployment-state.js';
import type { NorthDeps } from '../deps.js';
import { badRequest, forbidden, notFound } from '../errors.js';
import { grantedHostList } from '../host-list.js';
import { lookupHost } from '../hosts.js';
import {
  annotations, edgeNamespaceFor, instanceObject, releaseNameFor, labels, orderInstanceName, orderPackageName, packageObject, parseOrderParameters,
} from '../objects.js';
import { addRoute } from '../route.js';
import { deletePackage } from './lcm-packages.js';
import { HostParams, MecmPackageId, TenantParams, ipv4Pattern, namePattern } from '../schemas.js';
import { RevisionCache } from '../revision-cache.js';
import { ok } from '../server.js';
import { failureOf, orderWord } from '../status-words.js';
import { appstoreNamespaces } from '../tenants.js';

const MecHostSchema = Type.Object({
  mechostIp: Type.String(), mechostName: Type.String(), mechostCity: Type.Optional(Type.String()),
  vim: Type.String({ enum: ['K8S', 'OpenStack'] }), affinity: Type.Optional(Type.String()),
});

const OrderForm = Type.Object({
  hostList: Type.String({ description: 'Host IPv4 addresses separated by ;', minLength: 7, maxLength: 4096, pattern: `^${ipv4Pattern.slice(1, -1)}(;${ipv4Pattern.slice(1, -1)})*$` }),
  appPkgName: Type.String({ description: 'App name.', pattern: namePattern, maxLength: 128 }),
  appPkgVersion: Type.String({ description: 'App version.', minLength: 1, maxLength: 128 }),
  appClass: Type.String({ description: 'container (vm packages are refused: no VM plugin).', enum: ['container', 'vm'] }),
  parameters: Type.Optional(Type.String({ description: 'APPD inputs as k=v;k=v (empty for container apps).', maxLength: 16384 })),
}, { additionalProperties: false });

const OrderParams = Type.Object({ tenantId: TenantParams.properties.tenantId, mecmPackageId: MecmPackageId });

const OrderRow = Type.Object({
  mecmPackageId: Type.String(), mecmPkgName: Type.Optional(Type.String()), hostIp: Type.Optional(Type.String()),
  appInstanceId: Type.Optional(Type.String()), status: Type.String(), message: Type.Optional(Type.String()), startTime: Type.Optional(Type.String()),
});

/** The hosts of an order, `ip=name;…`, recorded on its AppPackage. */
function orderHosts(text: string | undefined): Array<{ ip: string; name: string }> {
  return (text ?? '').split(';').filter(Boolean).map((pair) => {
    const [ip = '', name = ''] = pair.split('=');
    return { ip, name };
  });
}

export function orderRoutes(app: FastifyInstance, deps: NorthDeps): void {
  const namespacesOf = new RevisionCache<readonly string[]>();
  const hostLists = new RevisionCache<string>();
  addRoute(app, {
    method: 'GET', url: '/north/v1/mechosts', family: 'north', authenticated: true, operationId: 'listMecHosts',
    summary: 'Edge hosts the caller\'s tenants may deploy to',
    description: 'EdgeHosts with a spec.address granted by each Tenant whose namespace the caller may list AppInstances in (an appstore user: the Tenants naming their user id).',
    answers: { 200: { description: 'The hosts.', schema: Type.Object({ data: Type.Array(MecHostSchema), retCode: Type.Integer(), message: Type.String() }) } },
  }, async (request, reply) => {
    const caller = await deps.authenticator.identify(request.headers);
    const revision = deps.view.inventoryRevision();
    const userId = appstoreUserId(caller);
    const candidates = namespacesOf.get(userId ?? '', revision, () => appstoreNamespaces(deps.view.tenants(), userId));
    const permitted: string[] = [];
    for (const namespace of candidates) {
      if (await deps.access.allowed(caller, { verb: 'list', resource: 'appinstances', namespace })) permitted.push(namespace);
    }
    if (permitted.length === 0) throw forbidden(`${caller.user.username} may list AppInstances in no appstore tenant's namespace: an admin names the user in a Tenant's spec.appstore.userIds`);
    // Every caller allowed in the same namespaces gets the same answer: made once per change of the caches.
    const body = hostLists.get(permitted.join(' '), revision, () => ok({ data: grantedHostList(deps.view, permitted) as never, retCode: 0, message: 'query mecm host success.' }));
    return reply.type('application/json').send(body);
  });

  addRoute(app, {
    method: 'GET', url: '/north/v1/mechosts/:hostIp/health', family: 'north', authenticated: true, operationId: 'mecHostHealth',
    summary: 'Whether an edge host is Ready', params: HostParams,
    answers: { 200: { description: 'The host\'s health.', schema: Type.Object({ mechostIp: Type.String(), status: Type.String({ enum: ['ok', 'unhealthy'] }), message: Type.Optional(Type.String()) }) } },
  }, async (request, reply) => {
    const caller = await deps.authenticator.identify(request.headers);
    const { hostIp } = request.params as Static<typeof HostParams>;
    const lookup = lookupHost(hostIp, deps.view.hostsAt(hostIp));
    if (lookup.kind !== 'Found') throw notFound(lookup.message);
    await requireAccess(deps.access, caller, { verb: 'get', resource: 'edgehosts', name: lookup.host.metadata.name });
    const ready = isTrue(lookup.host.status?.conditions, 'Ready');
    const reason = lookup.host.status?.conditions?.find((c) => c.type === 'Ready')?.message;
    return reply.type('application/json').send(ok({ mechostIp: hostIp, status: ready ? 'ok' : 'unhealthy', message: ready ? undefined : reason }));
  });

  addRoute(app, {
    method: 'POST', url: '/north/v1/tenants/:tenantId/package', family: 'north', authenticated: true, operationId: 'createOrder',
    summary: 'Upload a package and run it on the listed hosts',
    description: 'Creates an AppPackage from the uploaded CSAR (stored in the hub registry by digest) and one AppInstance per host, all or none.',
    params: TenantParams,
    multipart: { fields: OrderForm, fileField: 'file', fileDescription: 'The CSAR package.' },
    answers: { 200: { description: 'Accepted; poll the status.', schema: Type.Object({ mecmPackageId: Type.String(), retCode: Type.Integer(), message: Type.String() }) } },
  }, async (request, reply) => {
    const { tenantId } = request.params as Static<typeof TenantParams>;
    const scope = await enterTenant(deps, request, tenantId, { verb: 'create', resource: 'apppackages' }, { verb: 'create', resource: 'appinstances' });
    const mecmPackageId = randomUUID();
    const upload = await acceptUpload(deps, request, scope.namespace, { fields: OrderForm, fileField: 'file' }, (fields) => {
      if (fields.appClass !== 'container') throw badRequest('appClass vm is not supported: this MECM runs container apps only (no VM plugin)');
      const inputs = parseOrderParameters(fields.parameters ?? '');
      if (typeof inputs === 'string') throw badRequest(`invalid request: parameters: ${inputs}`);
      const ips = [...new Set(fields.hostList.split(';'))];
      const hosts = ips.map((ip) => ({ ip, host: grantedHost(deps, scope.namespace, ip) }));
      const edgeNamespace = edgeNamespaceFor(scope.tenant, deps.view.governance(scope.namespace), fields.appPkgName, mecmPackageId);
      if (!edgeNamespace) throw forbidden(`Tenant ${scope.tenant.metadata.name} grants no edge namespace North can use: an admin sets spec.edgeNamespaces (a prefix such as team-a-*)`);
      return { inputs, hosts, edgeNamespace };
    });
    const { hosts, inputs, edgeNamespace } = upload.checked;
    const packageName = orderPackageName(mecmPackageId);
    const by = requester(scope.caller);
    await deps.writer.createAll([
      packageObject({
        name: packageName, namespace: scope.namespace, flow: 'order', url: upload.url, sha256: upload.file.sha256, sizeBytes: upload.file.size,
        app: upload.facts, hostNames: hosts.map((h) => h.host.metadata.name ?? ''), requestedBy: by,
        labels: { [labels.order]: mecmPackageId },
        annotations: { [annotations.hosts]: hosts.map((h) => `${h.ip}=${h.host.metadata.name ?? ''}`).join(';'), [annotations.packageId]: mecmPackageId },
      }),
      ...hosts.map(({ ip, host }) => instanceObject({
        name: orderInstanceName(mecmPackageId, ip), namespace: scope.namespace, flow: 'order', packageName, hostName: host.metadata.name ?? '',
        edgeNamespace, releaseName: releaseNameFor(upload.facts.name, mecmPackageId), inputs, requestedBy: by, labels: { [labels.order]: mecmPackageId, [labels.host]: ip },
      })),
    ]);
    deps.log.info('North order created', { namespace: scope.namespace, mecmPackageId, hosts: hosts.length, digest: upload.file.sha256 });
    return reply.type('application/json').send(ok({ mecmPackageId, retCode: 0, message: 'create server in progress' }));
  });

  addRoute(app, {
    method: 'GET', url: '/north/v1/tenants/:tenantId/packages/:mecmPackageId', family: 'north', authenticated: true, operationId: 'orderStatus',
    summary: 'Where an order stands, per host',
    description: 'One row per host, a failure (then the least advanced host) first: the appstore reads only data[0].status (Finished succeeds; Create/Distribute/Instantiate Error fail). An unknown id has no rows.',
    params: OrderParams,
    answers: { 200: { description: 'The rows.', schema: Type.Object({ mecmPackageId: Type.String(), retCode: Type.Integer(), message: Type.String(), data: Type.Array(OrderRow) }) } },
  }, async (request, reply) => {
    const { tenantId, mecmPackageId } = request.params as Static<typeof OrderParams>;
    const scope = await enterTenant(deps, request, tenantId, { verb: 'get', resource: 'apppackages' }, { verb: 'get', resource: 'appinstances' });
    const id = mecmPackageId.toLowerCase();
    const pkg = deps.view.appPackage(scope.namespace, orderPackageName(id));
    const rows = orderHosts(pkg?.metadata.annotations?.[annotations.hosts]).map(({ ip, name }) => {
      const instance: AppInstance | undefined = deps.view.appInstance(scope.namespace, orderInstanceName(id, ip));
      const state = deploymentState(pkg, instance, name);
      return {
        state,
        row: {
          mecmPackageId: id, mecmPkgName: pkg?.metadata.annotations?.[annotations.appName], hostIp: ip,
          appInstanceId: instance?.status?.appInstanceId, status: orderWord(state), message: failureOf(state), startTime: pkg?.metadata.creationTimestamp,
        },
      };
    }).sort((a, b) => worstFirst(a.state, b.state)).map((r) => r.row);
    return reply.type('application/json').send(ok({ mecmPackageId: id, retCode: 0, message: 'Query server success', data: rows }));
  });

  addRoute(app, {
    method: 'DELETE', url: '/north/v1/tenants/:tenantId/packages/:mecmPackageId', family: 'north', authenticated: true, operationId: 'deleteOrder',
    summary: 'Terminate an order\'s instances and delete its package',
    description: 'Deletes the AppInstances, waits (bounded, --north-delete-wait) until they are gone, then deletes the AppPackage. data[0].message is Delete server success when all is gone (also for an id already deleted); otherwise it says what is still terminating, and the DELETE may be repeated.',
    params: OrderParams,
    answers: { 200: { description: 'What was done.', schema: Type.Object({ mecmPackageId: Type.String(), retCode: Type.Integer(), message: Type.String(), data: Type.Array(Type.Object({ hostIp: Type.Optional(Type.String()), retCode: Type.Integer(), message: Type.String() })) }) } },
  }, async (request, reply) => {
    const { tenantId, mecmPackageId } = request.params as Static<typeof OrderParams>;
    const scope = await enterTenant(deps, request, tenantId, { verb: 'delete', resource: 'apppackages' }, { verb: 'delete', resource: 'appinstances' });
    const id = mecmPackageId.toLowerCase();
    const instancesLeft = () => deps.view.appInstancesLabelled(scope.namespace, labels.order, id);
    for (const instance of instancesLeft()) await deps.writer.remove('AppInstance', scope.namespace, instance.metadata.name ?? '');
    const gone = await deps.view.settled(() => instancesLeft().length === 0, deps.settings.deleteWaitMs);
    const pkg = deps.view.appPackage(scope.namespace, orderPackageName(id));
    const ips = orderHosts(pkg?.metadata.annotations?.[annotations.hosts]).map((h) => h.ip);
    if (!gone) {
      const left = instancesLeft();
      const message = `Delete server in progress: ${left.length} instance(s) still terminating (${left.map((i) => i.metadata.labels?.[labels.host] ?? i.metadata.name).join(', ')}); repeat the deletion later`;
      const data = left.map((i) => ({ hostIp: i.metadata.labels?.[labels.host], retCode: 1, message }));
      return reply.type('application/json').send(ok({ mecmPackageId: id, retCode: 1, message, data }));
    }
    if (pkg) await deletePackage(deps, scope.namespace, pkg);
    const message = 'Delete server success';
    const data = (ips.length > 0 ? ips : [undefined]).map((hostIp) => ({ hostIp, retCode: 0, message }));
    return reply.type('application/json').send(ok({ mecmPackageId: id, retCode: 0, message, data }));
  });
}
