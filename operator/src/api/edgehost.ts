/**
 * EdgeHost (cluster-scoped): an edge site the hub manages — its Kubernetes cluster, OCI
 * repository and MEP — registered with `kubectl apply` and kept truthful in `.status` by the
 * EdgeHost controller (EdgeGallery's Inventory).
 */
import { Type, type Static } from 'typebox';
import { CATEGORY, type CustomObject } from './group.js';
import type { CrdDefinition } from './schema/crd.js';
import { cel, enumOf, listSet } from './schema/k8s.js';
import { conditions, observedGeneration, operatorSecretKeyRef, operatorSecretRef, timestamp } from './schema/meta.js';

/** Condition types of an EdgeHost; Ready summarises the others. */
export const EDGE_HOST_CONDITIONS = ['Ready', 'Reachable', 'RepositoryReachable', 'MEPReachable'] as const;

/** Infrastructure types the enum admits; only `kubernetes` has an LCM plugin today. */
export const INFRASTRUCTURE_TYPES = ['kubernetes', 'openstack'] as const;

const Location = Type.Object({
  city: Type.String({ description: 'City of the site; shown by `kubectl get edgehosts` and reported to the appstore.', minLength: 1, maxLength: 128 }),
  zipCode: Type.Optional(Type.String({ description: 'Postal code of the site.', maxLength: 32 })),
  address: Type.Optional(Type.String({ description: 'Street address of the site.', maxLength: 512 })),
  coordinates: Type.Optional(Type.Object({
    latitude: Type.Number({ description: 'Latitude in decimal degrees, -90 to 90.', minimum: -90, maximum: 90 }),
    longitude: Type.Number({ description: 'Longitude in decimal degrees, -180 to 180.', minimum: -180, maximum: 180 }),
  }, { description: 'Geographic position of the site (WGS 84).' })),
}, { description: 'Where the edge site is.' });

const Infrastructure = Type.Object({
  type: enumOf(INFRASTRUCTURE_TYPES,
    'Kind of infrastructure; selects the LCM plugin. kubernetes deploys apps with Helm; openstack is reserved and reported as unsupported.'),
  kubeconfigSecretRef: Type.Optional(operatorSecretKeyRef(
    'Secret holding a kubeconfig for the edge cluster; required for type kubernetes. The controller watches it and reconnects when it changes.',
    'kubeconfig')),
}, {
  description: 'How the hub reaches the edge\'s infrastructure manager.',
  ...cel({
    rule: "self.type != 'kubernetes' || has(self.kubeconfigSecretRef)",
    fieldPath: '.kubeconfigSecretRef', reason: 'FieldValueRequired',
    message: 'infrastructure type kubernetes needs kubeconfigSecretRef: name the Secret (in the operator\'s namespace) that holds the edge cluster\'s kubeconfig',
  }),
});

const Repository = Type.Object({
  url: Type.String({
    description: 'Base URL of the OCI registry on the edge: oci://host[:port][/path] or http(s)://host[:port][/path]. Charts and images are pushed under it.',
    minLength: 1, maxLength: 2048, pattern: '^(oci|https?)://[^\\s/?#]+(/[^\\s?#]*)?$',
  }),
  insecure: Type.Optional(Type.Boolean({
    description: 'Talk plain HTTP to the registry (no TLS). Needed for http:// URLs, so that plaintext is never chosen by accident. Default false.',
    default: false,
  })),
  credentialsSecretRef: Type.Optional(operatorSecretRef(
    'Secret with keys username and password for pushing to and pulling from the registry; absent means anonymous access.')),
  caSecretRef: Type.Optional(operatorSecretKeyRef(
    'Secret holding the PEM CA bundle that signed the registry\'s TLS certificate, when it is not publicly trusted.', 'ca.crt')),
}, {
  description: 'The edge\'s OCI repository, where packages are distributed to and edge clusters pull from.',
  ...cel({
    rule: "!self.url.startsWith('http://') || (has(self.insecure) && self.insecure)",
    fieldPath: '.insecure', reason: 'FieldValueRequired',
    message: 'an http:// repository URL is plain HTTP: set insecure: true to confirm, or use an https:// or oci:// URL',
  }),
});

const Mep = Type.Object({
  url: Type.String({
    description: 'Base URL of the MEP\'s Mm5 API (http or https), e.g. https://mep.edge-1.example:8443; /mepcfg/... paths are appended.',
    minLength: 1, maxLength: 2048, pattern: '^https?://[^\\s/?#]+(/[^\\s?#]*)?$',
  }),
  tokenSecretRef: Type.Optional(operatorSecretKeyRef('Secret holding the bearer token sent to the MEP; absent means no Authorization header.', 'token')),
  caSecretRef: Type.Optional(operatorSecretKeyRef('Secret holding the PEM CA bundle that signed the MEP\'s TLS certificate, for https URLs.', 'ca.crt')),
}, {
  description: 'The MEC platform (MEP) of the edge, which applies traffic and DNS rules. Absent means the host runs apps without rules; AppRules for it fail with a clear condition.',
  ...cel({
    rule: "!has(self.caSecretRef) || self.url.startsWith('https://')",
    fieldPath: '.caSecretRef', reason: 'FieldValueForbidden',
    message: 'caSecretRef is only used for TLS: use an https:// MEP url or remove caSecretRef',
  }),
});

const Probe = Type.Object({
  intervalSeconds: Type.Optional(Type.Integer({
    description: 'Seconds between probes of a healthy host, 5 to 3600; unset uses the operator\'s default. Failing hosts are probed with exponential backoff up to this interval.',
    minimum: 5, maximum: 3600,
  })),
  unreachableAfterSeconds: Type.Optional(Type.Integer({
    description: 'Grace period: the host is marked unreachable only after no successful contact for this long, 10 to 86400 seconds; unset uses the operator\'s default.',
    minimum: 10, maximum: 86400,
  })),
}, {
  description: 'How often the host is probed and how long it may stay silent; unset fields use the operator\'s defaults.',
  ...cel({
    rule: '!has(self.intervalSeconds) || !has(self.unreachableAfterSeconds) || self.unreachableAfterSeconds >= self.intervalSeconds',
    fieldPath: '.unreachableAfterSeconds',
    message: 'unreachableAfterSeconds must be at least intervalSeconds, otherwise one late probe marks the host unreachable',
  }),
});

/** Desired state of an EdgeHost. */
export const EdgeHostSpec = Type.Object({
  displayName: Type.Optional(Type.String({ description: 'Human-friendly name shown to users; defaults to metadata.name.', maxLength: 128 })),
  address: Type.Optional(Type.String({
    description: 'IPv4 address the appstore knows this host by (EdgeGallery\'s mechostIp), e.g. 192.0.2.10. North addresses hosts by it and refuses an address two EdgeHosts share. Absent: the host is not offered through North.',
    minLength: 7, maxLength: 15,
    ...cel({ rule: 'isIP(self) && ip(self).family() == 4', message: 'address must be an IPv4 address such as 192.0.2.10 (the appstore addresses hosts by IPv4)' }),
  })),
  location: Type.Optional(Location),
  affinity: Type.Optional(Type.Array(Type.String({ description: 'A capability label, e.g. X86 or GPU.', minLength: 1, maxLength: 63 }), {
    description: 'Capability labels of the host that apps may ask for (EdgeGallery\'s affinity, e.g. X86, ARM64, GPU).',
    maxItems: 32, ...listSet(),
  })),
  hardwareCapabilities: Type.Optional(Type.Array(Type.Object({
    type: Type.String({ description: 'Kind of hardware, e.g. GPU, NPU, FPGA.', minLength: 1, maxLength: 63 }),
    vendor: Type.Optional(Type.String({ description: 'Manufacturer of the hardware.', maxLength: 128 })),
    model: Type.Optional(Type.String({ description: 'Model of the hardware.', maxLength: 128 })),
  }, { description: 'A piece of special hardware.' }), {
    description: 'Special hardware available on the host.', maxItems: 32,
  })),
  infrastructure: Infrastructure,
  repository: Repository,
  mep: Type.Optional(Mep),
  paused: Type.Optional(Type.Boolean({
    description: 'Maintenance mode: the operator makes no changes on the host (no distribution, installs, upgrades or rule updates) until it is unpaused. Probing goes on, so status stays true. Default false.',
    default: false,
  })),
  probe: Type.Optional(Probe),
}, { description: 'Desired state of the edge host: where it is and how the hub reaches its cluster, repository and MEP.' });

function resources(description: string) {
  return Type.Object({
    cpu: Type.Optional(Type.String({ description: 'CPU as a Kubernetes quantity, summed over nodes, e.g. "8" or "7500m".', maxLength: 64 })),
    memory: Type.Optional(Type.String({ description: 'Memory as a Kubernetes quantity, summed over nodes, e.g. "32Gi".', maxLength: 64 })),
  }, { description });
}

/** Observed state of an EdgeHost, written only by the controller. */
export const EdgeHostStatus = Type.Object({
  observedGeneration: Type.Optional(observedGeneration()),
  conditions: Type.Optional(conditions(EDGE_HOST_CONDITIONS)),
  kubernetesVersion: Type.Optional(Type.String({ description: 'gitVersion reported by the edge cluster\'s /version, e.g. v1.36.3.', maxLength: 64 })),
  nodeCount: Type.Optional(Type.Integer({ description: 'Number of nodes in the edge cluster.', minimum: 0 })),
  capacity: Type.Optional(resources('Total resources of the edge cluster\'s nodes.')),
  allocatable: Type.Optional(resources('Resources of the edge cluster\'s nodes available to pods.')),
  appInstanceCount: Type.Optional(Type.Integer({ description: 'Number of AppInstances placed on this host.', minimum: 0 })),
  lastContactTime: Type.Optional(timestamp('When the edge cluster last answered a probe; the grace period counts from here.')),
  lastProbeTime: Type.Optional(timestamp('When the host was last probed, successfully or not.')),
}, { description: 'Observed state of the edge host, written by the operator.' });

/** What the user declares about an edge host. */
export type EdgeHostSpec = Static<typeof EdgeHostSpec>;
/** What the operator observed about an edge host. */
export type EdgeHostStatus = Static<typeof EdgeHostStatus>;
/** An EdgeHost object. */
export type EdgeHost = CustomObject<'EdgeHost', EdgeHostSpec, EdgeHostStatus>;

/** The EdgeHost CRD. */
export const edgeHostCrd: CrdDefinition = {
  kind: 'EdgeHost',
  plural: 'edgehosts',
  singular: 'edgehost',
  shortNames: ['eh'],
  categories: [CATEGORY],
  scope: 'Cluster',
  description: 'EdgeHost is an edge site managed by the hub: its Kubernetes cluster, OCI repository and MEC platform. The operator probes it and reports what it finds in status.',
  spec: EdgeHostSpec,
  status: EdgeHostStatus,
  printerColumns: [
    { name: 'City', type: 'string', jsonPath: '.spec.location.city', description: 'City of the site.' },
    { name: 'Address', type: 'string', jsonPath: '.spec.address', description: 'IPv4 address the appstore knows the host by.', priority: 1 },
    { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status', description: 'Whether the host is usable.' },
    { name: 'Version', type: 'string', jsonPath: '.status.kubernetesVersion', description: 'Kubernetes version of the edge cluster.' },
    { name: 'Nodes', type: 'integer', jsonPath: '.status.nodeCount', description: 'Nodes in the edge cluster.' },
    { name: 'Apps', type: 'integer', jsonPath: '.status.appInstanceCount', description: 'App instances on the host.' },
    { name: 'Reason', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].reason', description: 'Why the host is (not) Ready.', priority: 1 },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time since the host was registered.' },
  ],
  // North finds a host by the address the appstore sends (kubectl get eh --field-selector spec.address=…).
  selectableFields: ['.spec.address'],
};
