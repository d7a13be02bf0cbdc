/**
 * The experience flow's package calls (EdgeGallery's lcmcontroller v2): upload a package,
 * distribute it to hosts, read its distribution, withdraw it from a host, delete it.
 * shared/notes/appstore-contracts.md B1–B3, B6, B7.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import type { AppPackage } from '../../api/apppackage.js';
import { lcmSuccess } from '../answers.js';
import { acceptUpload } from '../accept-upload.js';
import { enterTenant, grantedHost, requester, type TenantScope } from '../context.js';
import { packageState } from '../deployment-state.js';
import type { NorthDeps } from '../deps.js';
import { badRequest, conflict, lcmCodes, notFound } from '../errors.js';
import { annotations, lcmPackageName, packageObject } from '../objects.js';
import { addRoute } from '../route.js';
import { HostIp, PackageId, TenantParams, namePattern } from '../schemas.js';
import { ok } from '../server.js';
import { distributionWord, failureOf } from '../status-words.js';

const UploadForm = Type.Object({
  appId: Type.Optional(Type.String({ description: 'App id to record (generated when absent).', pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$' })),
  packageId: Type.Optional(PackageId),
  origin: Type.Optional(Type.String({ description: 'Who uploads (recorded only).', pattern: namePattern, maxLength: 128 })),
}, { additionalProperties: false });

const PackageParams = Type.Object({ tenantId: TenantParams.properties.tenantId, packageId: PackageId });
const PackageHostParams = Type.Object({ tenantId: TenantParams.properties.tenantId, packageId: PackageId, hostIp: HostIp });
const DistributeBody = Type.Object({
  hostIp: Type.Array(HostIp, { minItems: 1, maxItems: 20, description: 'Hosts to distribute to.' }),
  origin: Type.Optional(Type.String({ pattern: namePattern, maxLength: 128 })),
}, { additionalProperties: false });

const Envelope = (data: Parameters<typeof Type.Optional>[0]) => Type.Object({ data: Type.Optional(data), retCode: Type.Integer(), message: Type.String() });
const MecHostInfo = Type.Object({ hostIp: Type.String(), status: Type.String({ enum: ['Distributing', 'Distributed', 'Error', 'Deleting'] }), error: Type.Optional(Type.String()) });
const PackageRecord = Type.Object({
  appPkgName: Type.String(), appPkgVersion: Type.String(), appProvider: Type.String(), appPkgDesc: Type.Optional(Type.String()),
  appId: Type.String(), packageId: Type.String(), createdTime: Type.Optional(Type.String()), mecHostInfo: Type.Array(MecHostInfo),
});

/** The experience package of `packageId` in the tenant's namespace, or 404 as lcmcontroller answered. */
export function lcmPackage(deps: NorthDeps, scope: TenantScope, packageId: string): AppPackage {
  const pkg = deps.view.appPackage(scope.namespace, lcmPackageName(packageId));
  if (!pkg) throw notFound(`App package records does not exist: no package ${packageId} for this tenant`, lcmCodes.packageNotFound);
  return pkg;
}

/**
 * Deletes a North AppPackage; its bytes are released in the registry unless another AppPackage
 * of the namespace has the same digest (the same file uploaded twice is stored once).
 */
export async function deletePackage(deps: NorthDeps, namespace: string, pkg: AppPackage): Promise<void> {
  await deps.writer.remove('AppPackage', namespace, pkg.metadata.name ?? '');
  const digest = pkg.spec.sha256;
  const shared = deps.view.appPackages(namespace).some((p) => p.metadata.name !== pkg.metadata.name && p.spec.sha256 === digest);
  if (digest && !shared) await deps.bytes.release(namespace, digest);
}

/** The address of each host an experience package is distributed to. */
function addressOf(deps: NorthDeps, hostName: string): string | undefined {
  return deps.view.host(hostName)?.spec.address;
}

export function lcmPackageRoutes(app: FastifyInstance, deps: NorthDeps): void {
  addRoute(app, {
    method: 'POST', url: '/lcmcontroller/v2/tenants/:tenantId/packages', family: 'lcm', authenticated: true, operationId: 'uploadPackage',
    summary: 'Upload a package (no hosts yet)', params: TenantParams,
    multipart: { fields: UploadForm, fileField: 'package', fileDescription: 'The CSAR package (.csar or .zip).' },
    answers: { 200: { description: 'Uploaded.', schema: Envelope(Type.Object({ appId: Type.String(), packageId: Type.String() })) } },
  }, async (request, reply) => {
    const { tenantId } = request.params as Static<typeof TenantParams>;
    const scope = await enterTenant(deps, request, tenantId, { verb: 'create', resource: 'apppackages' });
    const upload = await acceptUpload(deps, request, scope.namespace, { fields: UploadForm, fileField: 'package' }, (fields) => {
      const appId = fields.appId ?? randomBytes(16).toString('hex');
      const packageId = (fields.packageId ?? `${appId}${randomBytes(16).toString('hex')}`.slice(0, 64)).toLowerCase();
      if (deps.view.appPackage(scope.namespace, lcmPackageName(packageId))) throw conflict(`package ${packageId} exists already: upload without packageId to get a new one`);
      return { appId, packageId };
    });
    const { appId, packageId } = upload.checked;
    await deps.writer.createAll([packageObject({
      name: lcmPackageName(packageId), namespace: scope.namespace, flow: 'experience', url: upload.url, sha256: upload.file.sha256,
      sizeBytes: upload.file.size, app: upload.facts, hostNames: [], requestedBy: requester(scope.caller),
      annotations: { [annotations.appId]: appId, [annotations.packageId]: packageId },
    })]);
    deps.log.info('North package uploaded', { namespace: scope.namespace, packageId, digest: upload.file.sha256 });
    return reply.type('application/json').send(ok(lcmSuccess('Uploaded application package successfully', { appId, packageId })));
  });

  addRoute(app, {
    method: 'POST', url: '/lcmcontroller/v2/tenants/:tenantId/packages/:packageId', family: 'lcm', authenticated: true, operationId: 'distributePackage',
    summary: 'Distribute a package to hosts', params: PackageParams, body: DistributeBody,
    answers: { 200: { description: 'Distribution started; poll the package.', schema: Envelope(Type.String()) } },
  }, async (request, reply) => {
    const { tenantId, packageId } = request.params as Static<typeof PackageParams>;
    const scope = await enterTenant(deps, request, tenantId, { verb: 'update', resource: 'apppackages' });
    const pkg = lcmPackage(deps, scope, packageId);
    const body = request.body as Static<typeof DistributeBody> | undefined;
    if (!body) throw badRequest('the body must name hosts: {"hostIp": ["192.0.2.10"]}');
    const names = body.hostIp.map((ip) => grantedHost(deps, scope.namespace, ip).metadata.name ?? '');
    const hostNames = [...new Set([...pkg.spec.distribution?.hostNames ?? [], ...names])];
    await deps.writer.setPackageHosts(scope.namespace, pkg.metadata.name ?? '', hostNames);
    return reply.type('application/json').send(ok(lcmSuccess('Distributed application package successfully')));
  });

  addRoute(app, {
    method: 'GET', url: '/lcmcontroller/v2/tenants/:tenantId/packages/:packageId', family: 'lcm', authenticated: true, operationId: 'packageDistribution',
    summary: 'A package and its distribution per host', params: PackageParams,
    description: 'mecHostInfo[].status is Distributed when the package is in the host\'s repository (the appstore\'s success word), Distributing before, Error when it will not get there without a change.',
    answers: { 200: { description: 'The package record.', schema: Envelope(Type.Array(PackageRecord)) } },
  }, async (request, reply) => {
    const { tenantId, packageId } = request.params as Static<typeof PackageParams>;
    const scope = await enterTenant(deps, request, tenantId, { verb: 'get', resource: 'apppackages' });
    const pkg = lcmPackage(deps, scope, packageId);
    const a = pkg.metadata.annotations ?? {};
    const mecHostInfo = (pkg.spec.distribution?.hostNames ?? []).map((name) => {
      const state = packageState(pkg, name);
      return { hostIp: addressOf(deps, name) ?? name, status: distributionWord(state), error: failureOf(state) };
    });
    const record = {
      appPkgName: a[annotations.appName] ?? pkg.status?.app?.name ?? '', appPkgVersion: a[annotations.appVersion] ?? pkg.status?.app?.version ?? '',
      appProvider: a[annotations.appProvider] ?? pkg.status?.app?.provider ?? '', appPkgDesc: a[annotations.appDescription],
      appId: a[annotations.appId] ?? '', packageId: a[annotations.packageId] ?? packageId, createdTime: pkg.metadata.creationTimestamp, mecHostInfo,
    };
    return reply.type('application/json').send(ok(lcmSuccess('Query app package records successful', [record])));
  });

  addRoute(app, {
    method: 'DELETE', url: '/lcmcontroller/v2/tenants/:tenantId/packages/:packageId/hosts/:hostIp', family: 'lcm', authenticated: true, operationId: 'withdrawPackage',
    summary: 'Withdraw a package from one host', params: PackageHostParams,
    description: 'Removes the host from the package\'s distribution; the package is removed from its repository. Repeating it is harmless.',
    answers: { 200: { description: 'Withdrawn.', schema: Envelope(Type.String()) } },
  }, async (request, reply) => {
    const { tenantId, packageId, hostIp } = request.params as Static<typeof PackageHostParams>;
    const scope = await enterTenant(deps, request, tenantId, { verb: 'update', resource: 'apppackages' });
    const pkg = lcmPackage(deps, scope, packageId);
    const current = pkg.spec.distribution?.hostNames ?? [];
    const remaining = current.filter((name) => addressOf(deps, name) !== hostIp);
    if (remaining.length !== current.length) await deps.writer.setPackageHosts(scope.namespace, pkg.metadata.name ?? '', remaining);
    return reply.type('application/json').send(ok(lcmSuccess('Deleted host application package successfully')));
  });

  addRoute(app, {
    method: 'DELETE', url: '/lcmcontroller/v2/tenants/:tenantId/packages/:packageId', family: 'lcm', authenticated: true, operationId: 'deletePackage',
    summary: 'Delete a package', params: PackageParams,
    answers: { 200: { description: 'Deleted (the AppPackage goes once it is withdrawn from its hosts).', schema: Envelope(Type.String()) } },
  }, async (request, reply) => {
    const { tenantId, packageId } = request.params as Static<typeof PackageParams>;
    const scope = await enterTenant(deps, request, tenantId, { verb: 'delete', resource: 'apppackages' });
    const pkg = lcmPackage(deps, scope, packageId);
    await deletePackage(deps, scope.namespace, pkg);
    return reply.type('application/json').send(ok(lcmSuccess('Deleted application package successfully')));
  });
}
