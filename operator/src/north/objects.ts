/**
 * The CRs North writes for the appstore (pure builders): an AppPackage per upload (its bytes in
 * the hub registry, content-addressed) and an AppInstance per host. Names say which flow made
 * them and carry the appstore's ids, so every lookup is a cache get by name:
 *
 *   order flow       AppPackage  order-<mecmPackageId>            AppInstance order-<mecmPackageId>-<host ip with dashes>
 *   experience flow  AppPackage  lcm-<packageId>                  AppInstance lcm-<appInstanceId>
 */
import { API_VERSION } from '../api/group.js';
import type { AppInstance } from '../api/appinstance.js';
import type { AppPackage } from '../api/apppackage.js';
import type { Tenant } from '../api/tenant.js';
import { edgeNamespaceVerdict, type Governance } from '../tenancy/governance.js';
import { edgeNamespacePatterns } from '../tenancy/patterns.js';

export type Flow = 'order' | 'experience';

export const labels = {
  managedBy: 'app.kubernetes.io/managed-by',
  flow: 'north.mecm.io/flow',
  order: 'north.mecm.io/order',
  host: 'north.mecm.io/host',
  appInstanceId: 'north.mecm.io/app-instance-id',
} as const;

export const annotations = {
  appName: 'north.mecm.io/app-name',
  appVersion: 'north.mecm.io/app-version',
  appProvider: 'north.mecm.io/app-provider',
  appDescription: 'north.mecm.io/app-description',
  appId: 'north.mecm.io/app-id',
  packageId: 'north.mecm.io/package-id',
  hosts: 'north.mecm.io/hosts',
  requestedBy: 'north.mecm.io/requested-by',
} as const;

export const managedBy = 'mecm-north';

export const orderPackageName = (mecmPackageId: string) => `order-${mecmPackageId.toLowerCase()}`;
export const orderInstanceName = (mecmPackageId: string, hostIp: string) => `order-${mecmPackageId.toLowerCase()}-${hostIp.replace(/\./g, '-')}`;
export const lcmPackageName = (packageId: string) => `lcm-${packageId.toLowerCase()}`;
export const lcmInstanceName = (appInstanceId: string) => `lcm-${appInstanceId.toLowerCase()}`;

/** What the package says about itself, recorded at upload so answers need not wait for the APM. */
export interface AppFacts {
  readonly name: string;
  readonly version: string;
  readonly provider: string;
  readonly description?: string;
}

export interface PackageInput {
  readonly name: string;
  readonly namespace: string;
  readonly flow: Flow;
  readonly url: string;
  readonly sha256: string;
  readonly sizeBytes: number;
  readonly app: AppFacts;
  readonly hostNames: readonly string[];
  readonly requestedBy: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

export function packageObject(input: PackageInput): AppPackage {
  return {
    apiVersion: API_VERSION, kind: 'AppPackage',
    metadata: {
      name: input.name, namespace: input.namespace,
      labels: { [labels.managedBy]: managedBy, [labels.flow]: input.flow, ...input.labels },
      annotations: {
        [annotations.appName]: input.app.name, [annotations.appVersion]: input.app.version, [annotations.appProvider]: input.app.provider,
        ...(input.app.description ? { [annotations.appDescription]: input.app.description.slice(0, 1024) } : {}),
        [annotations.requestedBy]: input.requestedBy, ...input.annotations,
      },
    },
    spec: {
      source: { http: { url: input.url } },
      sha256: input.sha256,
      // The operator's own limit would refuse what North accepted: the upload's size is the bound.
      maxSizeBytes: Math.max(1, input.sizeBytes),
      distribution: { hostNames: [...input.hostNames] },
    },
  };
}

export interface InstanceInput {
  readonly name: string;
  readonly namespace: string;
  readonly flow: Flow;
  readonly packageName: string;
  readonly hostName: string;
  readonly edgeNamespace: string;
  /** Helm release name (releaseNameFor). */
  readonly releaseName: string;
  readonly inputs: Readonly<Record<string, string>>;
  readonly requestedBy: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The id the MEP knows the app by (spec.appInstanceId), when the appstore picked it; unset, the operator assigns one. */
  readonly appInstanceId?: string;
}

export function instanceObject(input: InstanceInput): AppInstance {
  return {
    apiVersion: API_VERSION, kind: 'AppInstance',
    metadata: {
      name: input.name, namespace: input.namespace,
      labels: { [labels.managedBy]: managedBy, [labels.flow]: input.flow, ...input.labels },
      annotations: { [annotations.requestedBy]: input.requestedBy },
    },
    spec: {
      packageRef: { name: input.packageName },
      hostRef: { name: input.hostName },
      namespace: input.edgeNamespace,
      releaseName: input.releaseName,
      ...(input.appInstanceId ? { appInstanceId: input.appInstanceId } : {}),
      ...(Object.keys(input.inputs).length > 0 ? { inputs: { ...input.inputs } } : {}),
    },
  };
}

const slugOf = (appName: string) => appName.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'app';

/**
 * The Helm release of an instance: `<app>-<12 characters of the id>`, an RFC 1123 label of at
 * most 53 characters, unique within a shared edge namespace. Set by North rather than left to
 * the operator, whose default derives from the (long) AppInstance name.
 */
export function releaseNameFor(appName: string, id: string): string {
  return `${slugOf(appName).slice(0, 36).replace(/-+$/, '')}-${id.toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 12)}`;
}

/**
 * An edge namespace for an instance that the Tenant grants: under its first prefix pattern that
 * is granted (`<prefix><app>-<id>`), else its first granted exact name; undefined when none is.
 */
export function edgeNamespaceFor(tenant: Tenant, governance: Governance, appName: string, id: string): string | undefined {
  const suffix = `${slugOf(appName).slice(0, 30).replace(/-+$/, '')}-${id.toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 8)}`;
  const candidates = edgeNamespacePatterns(tenant).map((p) => p.endsWith('*') ? `${p.slice(0, -1)}${suffix}`.slice(0, 63).replace(/-+$/, '') : p);
  return candidates.find((ns) => /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(ns) && edgeNamespaceVerdict(governance, ns).ok);
}

/** APPD inputs from the order flow's `parameters` (`k=v;k=v`, empty for container apps). */
export function parseOrderParameters(text: string): Record<string, string> | string {
  const out: Record<string, string> = {};
  for (const pair of text.split(';').map((p) => p.trim()).filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) return `parameter "${pair.slice(0, 64)}" is not key=value`;
    const key = pair.slice(0, eq).trim();
    if (!/^[A-Za-z0-9_.-]{1,128}$/.test(key)) return `parameter name "${key.slice(0, 64)}" is not allowed (letters, digits, _ . - only)`;
    out[key] = pair.slice(eq + 1).trim();
  }
  return Object.keys(out).length > 64 ? 'at most 64 parameters' : out;
}
