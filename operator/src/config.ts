/**
 * Operator settings from flags, each with an environment variable fallback (MECM_<FLAG>), so
 * the same binary runs locally (`npm run operator -- --kubeconfig …`) and in a Pod (env).
 */
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DNS1123_LABEL } from './api/schema/k8s.js';
import { parseAllowlist, type AllowEntry } from './north/subscriptions/allowlist.js';

export interface OperatorConfig {
  readonly kubeconfig: string | undefined;
  /** Where the operator runs: EdgeHost Secrets and the leader Lease live here, and nowhere else. */
  readonly namespace: string;
  readonly metricsBindAddress: string;
  readonly insecureMetrics: boolean;
  readonly insecureKubeconfigExec: boolean;
  readonly insecureKubeconfigTls: boolean;
  readonly healthProbeBindAddress: string;
  readonly northBindAddress: string;
  /** North's settings (docs/north.md); used only when northBindAddress is not 0. */
  readonly north: NorthConfig;
  /** Where NotificationSubscriptions may send (docs/north.md, Subscriptions); used with North on or off. */
  readonly callbacks: CallbackConfig;
  readonly leaderElect: boolean;
  readonly leaderElectionNamespace: string;
  readonly leaderElectionId: string;
  readonly leaseDurationSeconds: number;
  readonly renewDeadlineSeconds: number;
  readonly retryPeriodSeconds: number;
  readonly concurrency: number;
  /** Helm processes at once (the Kubernetes LCM plugin's slots). */
  readonly helmConcurrency: number;
  readonly qps: number;
  readonly burst: number;
  readonly requestTimeoutSeconds: number;
  readonly probeIntervalSeconds: number;
  readonly unreachableAfterSeconds: number;
  readonly probeTimeoutSeconds: number;
  readonly probeConcurrency: number;
  readonly ruleDriftCheckSeconds: number;
  readonly mepTaskTimeoutSeconds: number;
  readonly helmBinary: string;
  readonly dataDir: string;
  readonly maxPackageBytes: number;
  readonly cacheSizeBytes: number;
  readonly identity: string;
  /**
   * Whether objects must be governed by a Tenant to use an edge (docs/tenancy.md). Off only for
   * one trusted team: then every namespace may use every EdgeHost.
   */
  readonly enforceTenancy: boolean;
}

export interface NorthConfig {
  readonly tlsCertFile: string | undefined;
  readonly tlsKeyFile: string | undefined;
  /** Serve North over plain HTTP on a non-loopback address (behind a TLS-terminating proxy). */
  readonly insecureHttp: boolean;
  /** Hub-side OCI registry for uploaded packages, http(s)://host:port. */
  readonly registry: string | undefined;
  readonly registryUsername: string | undefined;
  /** From MECM_NORTH_REGISTRY_PASSWORD only (never a flag: argv is visible to every process). */
  readonly registryPassword: string | undefined;
  readonly jwtPublicKeyFile: string | undefined;
  readonly jwtJwksUrl: string | undefined;
  readonly jwtIssuer: string | undefined;
  readonly jwtAudience: string | undefined;
  readonly jwtUserPrefix: string;
  /** `authorities` entry → Kubernetes group. */
  readonly jwtRoleGroups: Readonly<Record<string, string>>;
  readonly tenantRole: string;
  readonly maxUploadBytes: number;
  readonly deleteWaitSeconds: number;
}

export interface CallbackConfig {
  /** Host patterns and CIDRs callbacks may reach; empty: none. */
  readonly allowlist: readonly AllowEntry[];
  /** Allow http:// callbacks (tests, or a receiver behind a trusted network). */
  readonly allowHttp: boolean;
  /** How long a callback may fail on every attempt before its subscription is suspended. */
  readonly suspendAfterSeconds: number;
}

const flags = {
  kubeconfig: { type: 'string', help: 'hub kubeconfig file (default: $KUBECONFIG, then in-cluster)' },
  namespace: { type: 'string', help: 'the operator\'s namespace: EdgeHost Secrets must be here, and Secrets are listed only here (default: $POD_NAMESPACE, then mecm-system; env MECM_NAMESPACE)' },
  'metrics-bind-address': { type: 'string', default: ':8080', help: 'address of /metrics (bearer token checked by TokenReview and SubjectAccessReview); 0 disables' },
  'insecure-metrics': { type: 'boolean', default: false, help: 'serve /metrics without authentication, on a loopback address only' },
  'insecure-kubeconfig-exec': { type: 'boolean', default: false, help: 'allow exec credential plugins in EdgeHost kubeconfigs (they run inside the operator)' },
  'insecure-kubeconfig-tls': { type: 'boolean', default: false, help: 'allow insecure-skip-tls-verify in EdgeHost kubeconfigs' },
  'health-probe-bind-address': { type: 'string', default: ':8081', help: 'address of /healthz and /readyz; 0 disables' },
  'north-bind-address': { type: 'string', default: '0', help: 'address of the North REST shim for the EdgeGallery appstore (docs/north.md); 0 disables' },
  'north-tls-cert-file': { type: 'string', help: 'North\'s TLS certificate (PEM; re-read when it changes)' },
  'north-tls-key-file': { type: 'string', help: 'North\'s TLS key (PEM)' },
  'north-insecure-http': { type: 'boolean', default: false, help: 'serve North over plain HTTP on a non-loopback address (only behind a TLS-terminating proxy)' },
  'north-registry': { type: 'string', help: 'hub-side OCI registry where uploaded packages are stored, http(s)://host:port (required with North)' },
  'north-registry-username': { type: 'string', help: 'user for the North registry; the password comes from env MECM_NORTH_REGISTRY_PASSWORD' },
  'north-jwt-public-key-file': { type: 'string', help: 'PEM public key EdgeGallery user JWTs are signed with' },
  'north-jwt-jwks-url': { type: 'string', help: 'JWKS URL of EdgeGallery user JWTs (instead of a key file)' },
  'north-jwt-issuer': { type: 'string', help: 'required iss of EdgeGallery user JWTs' },
  'north-jwt-audience': { type: 'string', help: 'required aud of EdgeGallery user JWTs' },
  'north-jwt-user-prefix': { type: 'string', default: 'appstore:', help: 'Kubernetes user name of an appstore user: this prefix + the JWT\'s userId' },
  'north-jwt-role-groups': { type: 'string', default: '', help: 'JWT authorities to Kubernetes groups, e.g. ROLE_APPSTORE_ADMIN=mecm-north:admins,ROLE_APPSTORE_CLIENT=mecm-north:readers' },
  'north-tenant-role': { type: 'string', default: 'mecm-north-tenant', help: 'ClusterRole bound to a Tenant\'s appstore users in its namespaces' },
  'north-max-upload-size': { type: 'string', default: String(512 * 1024 * 1024), help: 'largest package upload through North, in bytes' },
  'north-delete-wait': { type: 'string', default: '60', help: 'seconds a North DELETE of an order waits for its instances to be gone' },
  'north-callback-allowlist': { type: 'string', default: '', help: 'where NotificationSubscription callbacks may go: comma-separated host names, *.suffix patterns (public addresses only) and CIDRs (any address inside, loopback and private ranges included); empty allows none' },
  'north-callback-allow-http': { type: 'boolean', default: false, help: 'allow http:// callbacks (notifications are then sent in clear)' },
  'north-callback-suspend-after': { type: 'string', default: '3600', help: 'seconds a subscription\'s callback may fail on every attempt (and at least 5 times) before the subscription is suspended' },
  'leader-elect': { type: 'boolean', default: false, help: 'elect a leader so only one replica reconciles' },
  'leader-election-namespace': { type: 'string', help: 'namespace of the leader Lease (default: --namespace; env MECM_LEADER_ELECTION_NAMESPACE)' },
  'leader-election-id': { type: 'string', default: 'mecm-operator-leader', help: 'name of the leader Lease' },
  'lease-duration': { type: 'string', default: '35', help: 'seconds a standby waits before taking an unrenewed lease' },
  'renew-deadline': { type: 'string', default: '30', help: 'seconds the leader keeps trying to renew before it stops' },
  'retry-period': { type: 'string', default: '5', help: 'seconds between lease attempts' },
  concurrency: { type: 'string', default: '4', help: 'workers per controller (the AppInstance controller gets four times as many)' },
  qps: { type: 'string', default: '50', help: 'requests per second to each cluster' },
  burst: { type: 'string', default: '100', help: 'request burst to each cluster' },
  'request-timeout': { type: 'string', default: '30', help: 'seconds before an API request is abandoned' },
  'probe-interval': { type: 'string', default: '30', help: 'default seconds between probes of a healthy EdgeHost' },
  'unreachable-after': { type: 'string', default: '90', help: 'default grace period: seconds without contact before an EdgeHost is unreachable' },
  'probe-timeout': { type: 'string', default: '10', help: 'seconds a probe of an edge cluster, repository or MEP may take' },
  'probe-concurrency': { type: 'string', default: '32', help: 'EdgeHosts probed at once' },
  'rule-drift-check': { type: 'string', default: '60', help: 'seconds between checks that a MEP still holds an AppRule as specified' },
  'mep-task-timeout': { type: 'string', default: '120', help: 'seconds a MEP task may stay PROCESSING before the change is retried' },
  'helm-binary': { type: 'string', default: 'helm', help: 'the helm 3 client the Kubernetes plugin runs' },
  'helm-concurrency': { type: 'string', default: '8', help: 'helm processes at once (one namespace may use all but a quarter of them)' },
  'data-dir': { type: 'string', default: join(tmpdir(), 'mecm-operator'), help: 'where downloaded packages are cached and unpacked' },
  'max-package-size': { type: 'string', default: String(512 * 1024 * 1024), help: 'largest package download accepted, in bytes' },
  'enforce-tenancy': { type: 'boolean', default: true, help: 'objects may use an edge only as the Tenant governing their namespace grants; --enforce-tenancy=false lets every namespace use every EdgeHost (one trusted team only)' },
  'cache-size': { type: 'string', default: String(10 * 1024 * 1024 * 1024), help: 'bytes of downloads kept in --data-dir; past it, packages no AppPackage refers to are evicted, least recently used first' },
  help: { type: 'boolean', default: false, help: 'print this help' },
} as const;

export function usage(): string {
  return ['Usage: mecm-operator [flags]', ...Object.entries(flags).map(([name, f]) =>
    `  --${name.padEnd(28)} ${f.help}${'default' in f ? ` (default ${String(f.default)}; env MECM_${envName(name)})` : ''}`)].join('\n');
}

function envName(flag: string): string {
  return flag.toUpperCase().replace(/-/g, '_');
}

/**
 * `--flag=true` / `--flag=false` for boolean flags, as Kubernetes components (and our chart)
 * write them: parseArgs takes only `--flag`, so they are taken out before it sees them and
 * returned by flag name, the last one winning (a flag that defaults to true is turned off so).
 */
function booleanAssignments(argv: readonly string[]): { args: string[]; assigned: Map<string, boolean> } {
  const assigned = new Map<string, boolean>();
  const args = argv.filter((arg) => {
    const match = /^--([a-z-]+)=(true|false)$/.exec(arg);
    const flag = match ? flags[match[1] as keyof typeof flags] : undefined;
    if (!match || flag?.type !== 'boolean') return true;
    assigned.set(match[1]!, match[2] === 'true');
    return false;
  });
  return { args, assigned };
}

/** `ROLE_A=group-a,ROLE_B=group-b` → a map; throws naming the bad entry. */
function roleGroups(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of text.split(',').map((e) => e.trim()).filter(Boolean)) {
    const match = /^([A-Za-z0-9_.:-]+)=([A-Za-z0-9_.:@-]+)$/.exec(entry);
    if (!match) throw new Error(`--north-jwt-role-groups: "${entry}" is not AUTHORITY=group`);
    out[match[1]!] = match[2]!;
  }
  return out;
}

/** Parses argv; throws an Error whose message names the bad flag. */
export function parseConfig(argv: readonly string[], env: NodeJS.ProcessEnv): OperatorConfig | 'help' {
  const options = Object.fromEntries(Object.entries(flags).map(([name, f]) => [name, { type: f.type }]));
  const { args, assigned } = booleanAssignments(argv);
  const { values } = parseArgs({ args, options, strict: true });
  if (values.help) return 'help';
  const get = (name: keyof typeof flags): string | boolean | undefined => {
    const value = assigned.get(name) ?? values[name];
    if (value !== undefined) return value;
    const fromEnv = env[`MECM_${envName(name)}`];
    const flag = flags[name];
    if (fromEnv !== undefined) return flag.type === 'boolean' ? fromEnv === 'true' : fromEnv;
    return 'default' in flag ? flag.default : undefined;
  };
  const text = (name: keyof typeof flags) => String(get(name) ?? '');
  const positive = (name: keyof typeof flags) => {
    const n = Number(get(name));
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got "${String(get(name))}"`);
    return n;
  };
  // In a Pod the chart sets POD_NAMESPACE from the downward API: the operator's namespace is where it runs.
  const namespace = (get('namespace') as string | undefined) || env.POD_NAMESPACE || 'mecm-system';
  if (namespace.length > 63 || !new RegExp(DNS1123_LABEL).test(namespace)) throw new Error(`--namespace must be a namespace name, got "${namespace}"`);
  const config: OperatorConfig = {
    kubeconfig: (get('kubeconfig') as string | undefined) || env.KUBECONFIG || undefined,
    namespace,
    metricsBindAddress: text('metrics-bind-address'),
    insecureMetrics: get('insecure-metrics') === true,
    insecureKubeconfigExec: get('insecure-kubeconfig-exec') === true,
    insecureKubeconfigTls: get('insecure-kubeconfig-tls') === true,
    healthProbeBindAddress: text('health-probe-bind-address'),
    northBindAddress: text('north-bind-address'),
    north: {
      tlsCertFile: (get('north-tls-cert-file') as string | undefined) || undefined,
      tlsKeyFile: (get('north-tls-key-file') as string | undefined) || undefined,
      insecureHttp: get('north-insecure-http') === true,
      registry: (get('north-registry') as string | undefined) || undefined,
      registryUsername: (get('north-registry-username') as string | undefined) || undefined,
      registryPassword: env.MECM_NORTH_REGISTRY_PASSWORD || undefined,
      jwtPublicKeyFile: (get('north-jwt-public-key-file') as string | undefined) || undefined,
      jwtJwksUrl: (get('north-jwt-jwks-url') as string | undefined) || undefined,
      jwtIssuer: (get('north-jwt-issuer') as string | undefined) || undefined,
      jwtAudience: (get('north-jwt-audience') as string | undefined) || undefined,
      jwtUserPrefix: text('north-jwt-user-prefix'),
      jwtRoleGroups: roleGroups(text('north-jwt-role-groups')),
      tenantRole: text('north-tenant-role'),
      maxUploadBytes: Math.floor(positive('north-max-upload-size')),
      deleteWaitSeconds: positive('north-delete-wait'),
    },
    callbacks: {
      allowlist: parseAllowlist(text('north-callback-allowlist')),
      allowHttp: get('north-callback-allow-http') === true,
      suspendAfterSeconds: positive('north-callback-suspend-after'),
    },
    leaderElect: get('leader-elect') === true,
    leaderElectionNamespace: (get('leader-election-namespace') as string | undefined) || namespace,
    leaderElectionId: text('leader-election-id'),
    leaseDurationSeconds: positive('lease-duration'),
    renewDeadlineSeconds: positive('renew-deadline'),
    retryPeriodSeconds: positive('retry-period'),
    concurrency: Math.floor(positive('concurrency')),
    qps: positive('qps'),
    burst: Math.floor(positive('burst')),
    requestTimeoutSeconds: positive('request-timeout'),
    probeIntervalSeconds: positive('probe-interval'),
    unreachableAfterSeconds: positive('unreachable-after'),
    probeTimeoutSeconds: positive('probe-timeout'),
    probeConcurrency: Math.floor(positive('probe-concurrency')),
    ruleDriftCheckSeconds: positive('rule-drift-check'),
    mepTaskTimeoutSeconds: positive('mep-task-timeout'),
    helmBinary: text('helm-binary'),
    helmConcurrency: Math.floor(positive('helm-concurrency')),
    dataDir: text('data-dir'),
    maxPackageBytes: Math.floor(positive('max-package-size')),
    cacheSizeBytes: Math.floor(positive('cache-size')),
    identity: env.POD_NAME ?? `${hostname()}-${process.pid}`,
    enforceTenancy: get('enforce-tenancy') === true,
  };
  if (config.renewDeadlineSeconds >= config.leaseDurationSeconds) {
    throw new Error('--renew-deadline must be shorter than --lease-duration');
  }
  return config;
}
