/**
 * Tenant (cluster-scoped): the admin's grant to a team. It names the hub namespaces the team
 * works in and what their AppPackages, AppInstances and AppRules may reach: which EdgeHosts,
 * which namespaces on the edges, whether cluster-scoped objects, which MEP rules, and how much.
 * Tenants cannot write it (it is cluster-scoped); the controllers of the other kinds check every
 * object against the Tenant governing its namespace (operator/src/tenancy/).
 */
import { Type, type Static } from 'typebox';
import { CATEGORY, type CustomObject } from './group.js';
import type { CrdDefinition } from './schema/crd.js';
import { cel, enumOf, listSet } from './schema/k8s.js';
import { conditions, labelSelector, objectName, observedGeneration } from './schema/meta.js';

/** Condition types of a Tenant. */
export const TENANT_CONDITIONS = ['Ready', 'Conflicting'] as const;

/** Traffic rule actions a grant may allow (MEC 010-2 TrafficRuleDescriptor.action). */
export const TRAFFIC_ACTIONS = ['DROP', 'FORWARD_DECAPSULATED', 'FORWARD_AS_IS', 'PASSTHROUGH', 'DUPLICATE_DECAPSULATED', 'DUPLICATE_AS_IS'] as const;

/** A namespace name, or a prefix followed by `*` (`team-a-*`). */
export const EDGE_NAMESPACE_PATTERN = '^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?|[a-z0-9][-a-z0-9]{0,61}\\*)$';

function cidrList(description: string) {
  return Type.Array(Type.String({
    description: 'An IPv4 or IPv6 CIDR, e.g. 192.0.2.0/24; a single address is /32 or /128.',
    minLength: 1, maxLength: 43,
    ...cel({ rule: 'isCIDR(self)', message: 'must be a CIDR such as 192.0.2.0/24 or 2001:db8::/64 (a single address is 192.0.2.10/32)' }),
  }), { description, maxItems: 64, ...listSet() });
}

const Hosts = Type.Object({
  names: Type.Optional(Type.Array(objectName('Name of an EdgeHost.'), { description: 'EdgeHosts granted by name.', maxItems: 1024, ...listSet() })),
  selector: Type.Optional(labelSelector('EdgeHosts granted by label, in addition to names; {} grants every EdgeHost.')),
}, { description: 'The EdgeHosts the tenant may distribute packages to and run apps and rules on: the union of names and selector. Absent grants none.' });

const Mep = Type.Object({
  trafficActions: Type.Optional(Type.Array(enumOf(TRAFFIC_ACTIONS, 'A traffic rule action.'), {
    description: 'Traffic rule actions the tenant may use. Absent or empty: no traffic rules.', maxItems: 6, ...listSet(),
  })),
  deliveryCidrs: Type.Optional(cidrList(
    'Where FORWARD_* and DUPLICATE_* rules may deliver traffic: every dstInterface dstIpAddress and every tunnel endpoint (tunnelDstAddress, tunnelSrcAddress) must lie in one of these. Absent or empty: traffic may be delivered nowhere.')),
  deliveryMacAddresses: Type.Optional(Type.Array(Type.String({
    description: 'A MAC address, six hex pairs separated by \':\' or \'-\'.', pattern: '^[0-9A-Fa-f]{2}([-:][0-9A-Fa-f]{2}){5}$',
  }), { description: 'dstMacAddress values a MAC dstInterface may deliver to. Absent or empty: none.', maxItems: 64, ...listSet() })),
  dnsSuffixes: Type.Optional(Type.Array(Type.String({
    description: 'A DNS suffix such as apps.team-a.mec.example: the name itself and every name below it.',
    minLength: 1, maxLength: 253, pattern: '^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\\.)*[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$',
  }), { description: 'Domain names DNS rules may answer for. Absent or empty: no DNS rules.', maxItems: 64, ...listSet() })),
  dnsAnswerCidrs: Type.Optional(cidrList('Addresses DNS rules may answer with. Absent or empty: DNS rules may answer with no address.')),
}, { description: 'What the tenant\'s AppRules may ask of a MEP. Checked by the operator before anything is sent; appSupportMp1 is always allowed. Absent: no traffic or DNS rules.' });

const Limits = Type.Object({
  appInstances: Type.Optional(Type.Integer({ description: 'Most AppInstances in the tenant\'s namespaces; the oldest run, the rest wait with NotPermitted.', minimum: 0, maximum: 100000 })),
  appPackages: Type.Optional(Type.Integer({ description: 'Most AppPackages in the tenant\'s namespaces; the oldest are served, the rest wait with NotPermitted.', minimum: 0, maximum: 100000 })),
  packageBytes: Type.Optional(Type.Integer({
    description: 'Most bytes of downloaded packages, summed over the tenant\'s AppPackages; a download that would pass it is refused.',
    format: 'int64', minimum: 0,
  })),
}, { description: 'Quotas, enforced by the operator. An absent limit is no limit.' });

const Appstore = Type.Object({
  tenantIds: Type.Optional(Type.Array(Type.String({
    description: 'An appstore tenant id (a UUID, as EdgeGallery\'s appstore sends it in North paths).',
    pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
  }), { description: 'Appstore tenant ids this grant serves through North; an id two Tenants name serves neither.', maxItems: 64, ...listSet() })),
  userIds: Type.Optional(Type.Array(Type.String({ description: 'An appstore user id (the userId claim of its JWT).', minLength: 1, maxLength: 128 }), {
    description: 'Appstore users who may act for this tenant through North.', maxItems: 256, ...listSet(),
  })),
}, { description: 'How the appstore (through North) reaches this tenant.' });

/** Desired state of a Tenant: what the admin grants. */
export const TenantSpec = Type.Object({
  namespaces: Type.Array(objectName('A hub namespace.'), {
    description: 'Hub namespaces this grant governs. A namespace listed by two Tenants is governed by neither until one lets it go.',
    minItems: 1, maxItems: 256, ...listSet(),
  }),
  hosts: Type.Optional(Hosts),
  edgeNamespaces: Type.Optional(Type.Array(Type.String({
    description: 'A namespace name, or a prefix followed by * (team-a-*).', minLength: 1, maxLength: 63, pattern: EDGE_NAMESPACE_PATTERN,
  }), {
    description: 'Namespaces on the edge clusters the tenant\'s apps may be installed into. Default: <tenant name>-*. An edge namespace belongs to the Tenant whose pattern names it most specifically (a name over a prefix, a longer prefix over a shorter one); two Tenants with the same pattern both lose what it matches.',
    minItems: 1, maxItems: 64, ...listSet(),
  })),
  allowClusterScopedObjects: Type.Optional(Type.Boolean({
    description: 'Whether the tenant\'s charts may create cluster-scoped objects (ClusterRoles, ClusterRoleBindings, CRDs, …) on the edge. Its edge identity is then bound to cluster-admin, which reaches every namespace of the edge, other tenants\' included: grant it only to a team trusted with the whole edge. Default false.',
    default: false,
  })),
  sharedServices: Type.Optional(Type.Boolean({
    description: 'The tenant is a shared platform: the services its apps produce may satisfy appServiceRequired of apps of every tenant. Default false: only the tenant\'s own apps.',
    default: false,
  })),
  mep: Type.Optional(Mep),
  limits: Type.Optional(Limits),
  appstore: Type.Optional(Appstore),
}, { description: 'What the admin grants the tenant.' });

const Usage = Type.Object({
  appInstances: Type.Integer({ description: 'AppInstances in the governed namespaces.', minimum: 0 }),
  appPackages: Type.Integer({ description: 'AppPackages in the governed namespaces.', minimum: 0 }),
  packageBytes: Type.Integer({ description: 'Bytes of downloaded packages in the governed namespaces.', format: 'int64', minimum: 0 }),
}, { description: 'What the tenant uses, against spec.limits.' });

const Conflict = Type.Object({
  kind: enumOf(['Namespace', 'EdgeNamespace'], 'Namespace: a hub namespace both Tenants list. EdgeNamespace: an edge namespace pattern both Tenants hold.'),
  tenant: objectName('The other Tenant.'),
  detail: Type.String({ description: 'The namespace, or the pattern both hold.', maxLength: 256 }),
}, { description: 'A claim this Tenant shares with another.' });

/** Observed state of a Tenant, written only by the operator. */
export const TenantStatus = Type.Object({
  observedGeneration: Type.Optional(observedGeneration()),
  conditions: Type.Optional(conditions(TENANT_CONDITIONS)),
  namespaces: Type.Optional(Type.Array(Type.String({ description: 'A governed hub namespace.', maxLength: 63 }), { description: 'Hub namespaces this Tenant governs (those of spec.namespaces no other Tenant claims).', maxItems: 256 })),
  edgeNamespaces: Type.Optional(Type.Array(Type.String({ description: 'An edge namespace name or prefix*.', maxLength: 63 }), { description: 'The edge namespace patterns in force (spec.edgeNamespaces, or the default).', maxItems: 64 })),
  hosts: Type.Optional(Type.Array(Type.String({ description: 'Name of a granted EdgeHost.', maxLength: 253 }), { description: 'EdgeHosts granted now, by name (at most 1024 listed; hostCount counts all).', maxItems: 1024 })),
  hostCount: Type.Optional(Type.Integer({ description: 'How many EdgeHosts are granted now.', minimum: 0 })),
  conflicts: Type.Optional(Type.Array(Conflict, { description: 'Claims shared with other Tenants; shared hub namespaces are governed by neither, and what a shared edge namespace pattern matches belongs to neither.', maxItems: 256 })),
  usage: Type.Optional(Usage),
}, { description: 'What the grant governs and what the tenant uses, written by the operator.' });

export type TenantSpec = Static<typeof TenantSpec>;
export type TenantStatus = Static<typeof TenantStatus>;
export type TenantMep = Static<typeof Mep>;
export type TenantLimits = Static<typeof Limits>;
export type TenantConflict = Static<typeof Conflict>;
/** A Tenant object. */
export type Tenant = CustomObject<'Tenant', TenantSpec, TenantStatus>;

/** The Tenant CRD. */
export const tenantCrd: CrdDefinition = {
  kind: 'Tenant',
  plural: 'tenants',
  singular: 'tenant',
  shortNames: ['tn'],
  categories: [CATEGORY],
  scope: 'Cluster',
  description: 'Tenant is an admin\'s grant to a team: the hub namespaces it works in, and the EdgeHosts, edge namespaces, MEP rules and quotas its AppPackages, AppInstances and AppRules may use. Objects in a namespace no Tenant governs may use no EdgeHost while tenancy is enforced.',
  spec: TenantSpec,
  status: TenantStatus,
  printerColumns: [
    { name: 'Namespaces', type: 'string', jsonPath: '.spec.namespaces', description: 'Hub namespaces the grant names.' },
    { name: 'Hosts', type: 'integer', jsonPath: '.status.hostCount', description: 'EdgeHosts granted.' },
    { name: 'Instances', type: 'integer', jsonPath: '.status.usage.appInstances', description: 'AppInstances in use.' },
    { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status', description: 'Whether the grant is in force without conflicts.' },
    { name: 'Reason', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].reason', description: 'Why the grant is (not) Ready.', priority: 1 },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time since the Tenant was created.' },
  ],
  objectRules: [{
    // The name becomes the default edge namespace prefix and the edge ServiceAccount's name.
    rule: "size(self.metadata.name) <= 40 && self.metadata.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')",
    message: 'a Tenant name must be an RFC 1123 label of at most 40 characters (lower-case letters, digits and -), because it names the tenant\'s edge namespaces (<name>-*) and its identity on the edges',
  }],
};
