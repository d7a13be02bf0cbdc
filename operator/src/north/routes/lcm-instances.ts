/**
 * The experience flow's instance calls (EdgeGallery's lcmcontroller v2): instantiate a
 * distributed package on a host under the id the appstore chose, read the instance in the
 * container plugin's shape, terminate it. shared/notes/appstore-contracts.md B4, B5, B8.
 */
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import type { AppInstance } from '../../api/appinstance.js';
import type { ReleaseResources } from '../../lcm/plugin.js';
import { lcmSuccess } from '../answers.js';
import { enterTenant, grantedHost, requester } from '../context.js';
import { deploymentState } from '../deployment-state.js';
import type { NorthDeps } from '../deps.js';
import { badRequest, forbidden, lcmCodes, NorthError, notFound } from '../errors.js';
import { edgeNamespaceFor, instanceObject, labels, lcmInstanceName, releaseNameFor } from '../objects.js';
import { addRoute } from '../route.js';
import { AppInstanceId, HostIp, PackageId, TenantParams, namePattern } from '../schemas.js';
import { ok } from '../server.js';
import { podWord } from '../status-words.js';
import { lcmPackage } from './lcm-packages.js';

const InstanceParams = Type.Object({ tenantId: TenantParams.properties.tenantId, appInstanceId: AppInstanceId });
const InstantiateBody = Type.Object({
  hostIp: HostIp,
  appName: Type.String({ description: 'App name (the package\'s appPkgName).', pattern: namePattern, maxLength: 128 }),
  packageId: PackageId,
  parameters: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,128}$' }), Type.String({ maxLength: 4096 }), { maxProperties: 64, description: 'APPD inputs by name.' })),
  origin: Type.Optional(Type.String({ pattern: namePattern, maxLength: 128 })),
  akSkGen: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });

const Envelope = Type.Object({ retCode: Type.Integer(), message: Type.String() });
const ContainerStatus = Type.Object({
  pods: Type.Array(Type.Object({
    podstatus: Type.String({ enum: ['Pending', 'Running', 'Failed', 'Terminating'] }), podname: Type.String(),
    containers: Type.Array(Type.Object({ containername: Type.String() })),
  })),
  services: Type.Array(Type.Object({
    serviceName: Type.String(), type: Type.String(),
    ports: Type.Array(Type.Object({ port: Type.String(), targetPort: Type.String(), nodePort: Type.String(), protocol: Type.String(), name: Type.Optional(Type.String()) })),
  })),
});

function lcmInstance(deps: NorthDeps, namespace: string, appInstanceId: string): AppInstance {
  const instance = deps.view.appInstance(namespace, lcmInstanceName(appInstanceId));
  if (!instance) throw notFound(`App instance info record does not exist: no instance ${appInstanceId} for this tenant`, lcmCodes.instanceNotFound);
  return instance;
}

/**
 * The instance as the container plugin answered. Pods: those its workloads run on the edge (one
 * made-up pod per workload of the status when the edge was not read), all with the instance's
 * pod word — the appstore's success is every pod Running, which must mean the AppInstance is
 * Ready (its rules configured too), not that a container started. Services: those with a node
 * port, ports with one only — the appstore shows `<host>:<ports[0].nodePort>` for every service
 * and fails on a service without one; a ClusterIP Service is not reachable from it anyway.
 */
export function containerStatus(instance: AppInstance, word: ReturnType<typeof podWord>, edge: ReleaseResources | undefined) {
  const base = instance.status?.release?.name ?? instance.metadata.name ?? 'app';
  const count = Math.max(1, instance.status?.workloads?.desired ?? 1);
  const pods = edge && edge.pods.length > 0
    ? edge.pods.map((p) => ({ podstatus: word, podname: p.name, containers: p.containers.map((c) => ({ containername: c.name })) }))
    : Array.from({ length: count }, (_, i) => ({ podstatus: word, podname: `${base}-${i}`, containers: [] }));
  const services = (edge?.services ?? []).map((s) => ({
    serviceName: s.name, type: s.type,
    ports: s.ports.filter((p) => p.nodePort !== undefined).map((p) => ({
      port: String(p.port), targetPort: p.targetPort, nodePort: String(p.nodePort), protocol: p.protocol, name: p.name,
    })),
  })).filter((s) => s.ports.length > 0);
  return { pods, services };
}

export function lcmInstanceRoutes(app: FastifyInstance, deps: NorthDeps): void {
  addRoute(app, {
    method: 'POST', url: '/lcmcontroller/v2/tenants/:tenantId/app_instances/:appInstanceId/instantiate', family: 'lcm', authenticated: true,
    operationId: 'instantiate', summary: 'Run a distributed package on a host', params: InstanceParams, body: InstantiateBody,
    description: 'Creates the AppInstance lcm-<appInstanceId> with spec.appInstanceId the appstore\'s id (the id the MEP knows the app by; also in label north.mecm.io/app-instance-id).',
    answers: { 200: { description: 'Instantiation started; poll the instance.', schema: Envelope } },
  }, async (request, reply) => {
    const { tenantId, appInstanceId } = request.params as Static<typeof InstanceParams>;
    const scope = await enterTenant(deps, request, tenantId, { verb: 'create', resource: 'appinstances' });
    const body = request.body as Static<typeof InstantiateBody> | undefined;
    if (!body) throw badRequest('the body must say what to run: {"hostIp", "appName", "packageId", "parameters"}');
    if (deps.view.appInstance(scope.namespace, lcmInstanceName(appInstanceId))) {
      throw badRequest(`app instance ${appInstanceId} exists already: choose a new id`, lcmCodes.instanceExists);
    }
    const pkg = lcmPackage(deps, scope, body.packageId);
    const host = grantedHost(deps, scope.namespace, body.hostIp);
    if (!pkg.spec.distribution?.hostNames?.includes(host.metadata.name ?? '')) {
      throw notFound(`package ${body.packageId} is not distributed to ${body.hostIp}: distribute it first`, lcmCodes.instanceNotFound);
    }
    const edgeNamespace = edgeNamespaceFor(scope.tenant, deps.view.governance(scope.namespace), body.appName, appInstanceId);
    if (!edgeNamespace) throw forbidden(`Tenant ${scope.tenant.metadata.name} grants no edge namespace North can use: an admin sets spec.edgeNamespaces (a prefix such as team-a-*)`);
    await deps.writer.createAll([instanceObject({
      name: lcmInstanceName(appInstanceId), namespace: scope.namespace, flow: 'experience', packageName: pkg.metadata.name ?? '',
      hostName: host.metadata.name ?? '', edgeNamespace, releaseName: releaseNameFor(body.appName, appInstanceId), inputs: body.parameters ?? {}, requestedBy: requester(scope.caller),
      labels: { [labels.appInstanceId]: appInstanceId, [labels.host]: body.hostIp }, appInstanceId,
    })]).catch((error: unknown) => {
      if (error instanceof NorthError && error.status === 409) throw badRequest(`app instance ${appInstanceId} exists already: choose a new id`, lcmCodes.instanceExists);
      throw error;
    });
    return reply.type('application/json').send(ok(lcmSuccess('Application instantiated successfully')));
  });

  addRoute(app, {
    method: 'GET', url: '/lcmcontroller/v2/tenants/:tenantId/app_instances/:appInstanceId', family: 'lcm', authenticated: true,
    operationId: 'instanceStatus', summary: 'An instance in the container plugin\'s shape', params: InstanceParams,
    description: 'pods[].podstatus is Running when the AppInstance is Ready (the appstore\'s success word), Pending before, Failed when it will not get there without a change. Pods and Services are read from the edge (kept a few seconds; an edge that does not answer within 2 s leaves them to the AppInstance status); services lists those with a node port.',
    answers: { 200: { description: 'The instance.', schema: ContainerStatus } },
  }, async (request, reply) => {
    const { tenantId, appInstanceId } = request.params as Static<typeof InstanceParams>;
    const scope = await enterTenant(deps, request, tenantId, { verb: 'get', resource: 'appinstances' });
    const instance = lcmInstance(deps, scope.namespace, appInstanceId);
    const pkg = deps.view.appPackage(scope.namespace, instance.spec.packageRef.name);
    const state = deploymentState(pkg, instance, instance.spec.hostRef.name);
    const edge = state.kind === 'Terminating' ? undefined : await deps.edge.of(instance);
    return reply.type('application/json').send(ok(containerStatus(instance, podWord(state), edge)));
  });

  addRoute(app, {
    method: 'POST', url: '/lcmcontroller/v2/tenants/:tenantId/app_instances/:appInstanceId/terminate', family: 'lcm', authenticated: true,
    operationId: 'terminate', summary: 'Terminate an instance', params: InstanceParams,
    answers: { 200: { description: 'Termination started (the AppInstance is deleted; its release is uninstalled).', schema: Envelope } },
  }, async (request, reply) => {
    const { tenantId, appInstanceId } = request.params as Static<typeof InstanceParams>;
    const scope = await enterTenant(deps, request, tenantId, { verb: 'delete', resource: 'appinstances' });
    const instance = lcmInstance(deps, scope.namespace, appInstanceId);
    await deps.writer.remove('AppInstance', scope.namespace, instance.metadata.name ?? '');
    return reply.type('application/json').send(ok(lcmSuccess('Termination is successful')));
  });
}
