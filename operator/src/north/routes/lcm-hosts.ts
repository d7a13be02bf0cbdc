/**
 * The lcmcontroller's host calls: health, host add (refused on purpose), host delete and the
 * kubeconfig upload. EdgeHosts are the admin's (docs/north.md says how to register them);
 * the appstore's host add carries no token — EdgeGallery then took the caller for an admin — so
 * it is answered 401 whatever it sends. shared/notes/appstore-contracts.md B9–B12.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import { KubeconfigError } from '../../edge/clients.js';
import { parseEdgeKubeconfig, strictKubeconfigPolicy } from '../../edge/kubeconfig.js';
import { lcmSuccess } from '../answers.js';
import { requireAccess } from '../auth/access.js';
import type { NorthDeps } from '../deps.js';
import { badRequest, conflict, lcmCodes, notFound, unauthorized } from '../errors.js';
import { validFields } from '../fields.js';
import { lookupHost } from '../hosts.js';
import { addRoute } from '../route.js';
import { HostIp, TenantParams, ipv4Pattern } from '../schemas.js';
import { ok } from '../server.js';
import { readUpload } from '../uploads.js';
import { resolveTenant } from '../tenants.js';
import type { EdgeHost } from '../../api/edgehost.js';

const HostDeleteParams = Type.Object({ tenantId: TenantParams.properties.tenantId, hostIp: HostIp });
const ConfigForm = Type.Object({ hostIp: Type.String({ pattern: ipv4Pattern, maxLength: 15, description: 'The host whose kubeconfig this is.' }) }, { additionalProperties: false });
const Envelope = Type.Object({ retCode: Type.Integer(), message: Type.String() });
const maxKubeconfigBytes = 5 * 1024 * 1024;

function hostAt(deps: NorthDeps, hostIp: string): EdgeHost {
  const lookup = lookupHost(hostIp, deps.view.hostsAt(hostIp));
  if (lookup.kind === 'Unknown') throw notFound(lookup.message, lcmCodes.hostNotFound);
  if (lookup.kind === 'Duplicate') throw conflict(lookup.message);
  return lookup.host;
}

export function lcmHostRoutes(app: FastifyInstance, deps: NorthDeps): void {
  addRoute(app, {
    method: 'GET', url: '/lcmcontroller/v1/health', family: 'lcm', authenticated: false, operationId: 'health',
    summary: 'Whether North answers', answers: { 200: { description: 'ok', text: true } },
  }, async (_request, reply) => reply.type('text/plain; charset=utf-8').send('ok'));

  addRoute(app, {
    method: 'POST', url: '/lcmcontroller/v1/tenants/:tenantId/hosts', family: 'lcm', authenticated: true, operationId: 'addHost',
    summary: 'Refused: EdgeHosts are registered by an admin', params: TenantParams,
    description: 'The appstore sends this without a token; EdgeGallery then treated the caller as an admin. Always 401: register the host as an EdgeHost with spec.address (docs/north.md).',
    answers: {},
  }, async () => {
    throw unauthorized('hosts are not added through North: an admin registers each edge as an EdgeHost (kubectl apply) with spec.address set to the IPv4 the appstore uses — see docs/north.md');
  });

  addRoute(app, {
    method: 'DELETE', url: '/lcmcontroller/v1/tenants/:tenantId/hosts/:hostIp', family: 'lcm', authenticated: true, operationId: 'deleteHost',
    summary: 'Delete the EdgeHost at an address (admin only)', params: HostDeleteParams,
    description: 'Needs delete on that EdgeHost. The EdgeHost controller refuses while instances run on it.',
    answers: { 200: { description: 'Deleted.', schema: Envelope } },
  }, async (request, reply) => {
    const caller = await deps.authenticator.identify(request.headers);
    const { tenantId, hostIp } = request.params as Static<typeof HostDeleteParams>;
    if (resolveTenant(tenantId, deps.view.tenants()).kind === 'Refused') throw notFound(`appstore tenant ${tenantId.toLowerCase()} is served by no Tenant`);
    const host = hostAt(deps, hostIp);
    await requireAccess(deps.access, caller, { verb: 'delete', resource: 'edgehosts', name: host.metadata.name });
    await deps.writer.removeEdgeHost(host.metadata.name ?? '');
    return reply.type('application/json').send(ok(lcmSuccess('Delete host is successful')));
  });

  addRoute(app, {
    method: 'POST', url: '/lcmcontroller/v2/tenants/:tenantId/configuration', family: 'lcm', authenticated: true, operationId: 'uploadKubeconfig',
    summary: 'Upload an edge host\'s kubeconfig (admin only)', params: TenantParams,
    multipart: { fields: ConfigForm, fileField: 'configFile', fileDescription: 'The kubeconfig (a file name without extension, under 5 MiB).' },
    description: 'Creates the Secret the EdgeHost\'s spec.infrastructure.kubeconfigSecretRef names, in the operator\'s namespace; needs create on Secrets there. An existing Secret is never replaced (409 unless it holds the same kubeconfig): replace it with kubectl.',
    answers: { 200: { description: 'Stored.', schema: Envelope } },
  }, async (request, reply) => {
    const caller = await deps.authenticator.identify(request.headers);
    const { tenantId } = request.params as Static<typeof TenantParams>;
    if (resolveTenant(tenantId, deps.view.tenants()).kind === 'Refused') throw notFound(`appstore tenant ${tenantId.toLowerCase()} is served by no Tenant`);
    const namespace = deps.settings.operatorNamespace;
    await requireAccess(deps.access, caller, { verb: 'create', resource: 'secrets', namespace });
    const upload = await readUpload(request, { fileField: 'configFile', maxFileBytes: maxKubeconfigBytes, scratchDir: deps.settings.scratchDir });
    let text: string;
    let hostIp: string;
    try {
      hostIp = validFields(ConfigForm, upload.fields).hostIp;
      if (!upload.file || upload.file.size === 0) throw badRequest('the form has no file in part configFile, or it is empty');
      if (upload.file.filename.includes('.') || upload.file.filename.length > 128) throw badRequest('the config file name must have no extension and at most 128 characters');
      text = await readFile(upload.file.path, 'utf8');
    } finally {
      await upload.discard();
    }
    try {
      parseEdgeKubeconfig(text, strictKubeconfigPolicy);
    } catch (error) {
      if (error instanceof KubeconfigError) throw badRequest(`the kubeconfig is not accepted: ${error.message}`);
      throw error;
    }
    const host = hostAt(deps, hostIp);
    const ref = host.spec.infrastructure.kubeconfigSecretRef;
    if (!ref) throw badRequest(`EdgeHost ${host.metadata.name} names no kubeconfig Secret (spec.infrastructure.kubeconfigSecretRef)`);
    if (ref.namespace && ref.namespace !== namespace) throw badRequest(`EdgeHost ${host.metadata.name}'s kubeconfig Secret must be in the operator's namespace ${namespace}`);
    const key = ref.key ?? 'kubeconfig';
    const encoded = Buffer.from(text).toString('base64');
    const result = await deps.writer.createSecret({
      apiVersion: 'v1', kind: 'Secret', type: 'Opaque',
      metadata: { name: ref.name, namespace, labels: { 'app.kubernetes.io/managed-by': 'mecm-north' } },
      data: { [key]: encoded },
    });
    if (result.kind === 'Exists' && result.data[key] !== encoded) {
      throw conflict(`Secret ${namespace}/${ref.name} exists with another kubeconfig (sha256 ${createHash('sha256').update(text).digest('hex').slice(0, 12)} differs): an admin replaces it with kubectl`);
    }
    return reply.type('application/json').send(ok(lcmSuccess('Upload config is successful')));
  });
}
