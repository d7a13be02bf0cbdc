/**
 * Edge kubeconfigs come from Secrets that an admin wrote, but a kubeconfig can do more than
 * name a cluster: `exec` and `auth-provider` run programs inside the operator, `tokenFile` and
 * the file-path fields read the operator's own files (its ServiceAccount token) and send them
 * to the kubeconfig's server, `proxy-url` routes through anywhere. We accept an allowlist —
 * the current context's `server`, `certificate-authority-data`, `tls-server-name`,
 * `client-certificate-data`, `client-key-data`, `token` — refuse every other field by name,
 * and rebuild the kubeconfig from the accepted fields only, for our client and for helm.
 * `exec` is allowed only with --insecure-kubeconfig-exec, `insecure-skip-tls-verify` only with
 * --insecure-kubeconfig-tls; file paths never.
 */
import { KubeConfig, type Cluster, type User } from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { loadYamlGuarded, YamlRefusedError } from '../util/yaml.js';
import { KubeconfigError } from './clients.js';

export interface KubeconfigPolicy {
  /** Run `exec` credential plugins (they run inside the operator with its rights). */
  readonly allowExec: boolean;
  /** Accept `insecure-skip-tls-verify: true`. */
  readonly allowInsecureTls: boolean;
}

export const strictKubeconfigPolicy: KubeconfigPolicy = { allowExec: false, allowInsecureTls: false };

export interface ExecCredential {
  readonly apiVersion: string;
  readonly command: string;
  readonly args?: readonly string[];
  readonly env?: ReadonlyArray<{ readonly name: string; readonly value: string }>;
}

/** What is left of a kubeconfig once validated: one cluster, one user. */
export interface EdgeKubeconfig {
  readonly server: string;
  readonly certificateAuthorityData?: string;
  readonly tlsServerName?: string;
  readonly insecureSkipTlsVerify?: true;
  readonly clientCertificateData?: string;
  readonly clientKeyData?: string;
  readonly token?: string;
  readonly exec?: ExecCredential;
}

const clusterFields = new Set(['server', 'certificate-authority-data', 'tls-server-name', 'insecure-skip-tls-verify']);
const userFields = new Set(['client-certificate-data', 'client-key-data', 'token', 'exec']);
const contextFields = new Set(['cluster', 'user', 'namespace']);
const execFields = new Set(['apiVersion', 'command', 'args', 'env', 'installHint', 'interactiveMode', 'provideClusterInfo']);

type Tree = Record<string, unknown>;

const isTree = (value: unknown): value is Tree => typeof value === 'object' && value !== null && !Array.isArray(value);

function rejected(field: string, why: string): KubeconfigError {
  return new KubeconfigError(`The kubeconfig's ${field} is not accepted: ${why}`, 'KubeconfigRejected');
}

function invalid(message: string): KubeconfigError {
  return new KubeconfigError(message, 'KubeconfigInvalid');
}

/** Validates `text` against the allowlist; throws KubeconfigError (KubeconfigRejected names the field). */
export function parseEdgeKubeconfig(text: string, policy: KubeconfigPolicy): EdgeKubeconfig {
  let doc: unknown;
  try {
    doc = loadYamlGuarded(text, 'the kubeconfig', { maxBytes: 256 * 1024, maxNodes: 10_000 });
  } catch (error) {
    if (error instanceof YamlRefusedError) throw invalid(`${error.message}; replace it in the EdgeHost's Secret.`);
    throw error;
  }
  if (!isTree(doc)) throw invalid('The kubeconfig is not a YAML map; replace it in the EdgeHost\'s Secret.');
  const contextName = doc['current-context'];
  if (typeof contextName !== 'string' || !contextName) throw invalid('The kubeconfig has no current context (current-context); set it.');
  const context = named(doc, 'contexts', contextName, 'context');
  checkFields(context.value, contextFields, `contexts[${contextName}].context`);
  const cluster = named(doc, 'clusters', stringField(context.value, 'cluster', `contexts[${contextName}].context`), 'cluster');
  const userName = context.value.user;
  const user = typeof userName === 'string' && userName ? named(doc, 'users', userName, 'user') : { name: '', value: {} };
  const clusterPath = `clusters[${cluster.name}].cluster`;
  const userPath = `users[${user.name}].user`;
  checkFields(cluster.value, clusterFields, clusterPath);
  checkFields(user.value, userFields, userPath);

  const server = stringField(cluster.value, 'server', clusterPath);
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw invalid(`The kubeconfig's ${clusterPath}.server is not a URL.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw rejected(`${clusterPath}.server`, 'only https:// servers are used.');
  if (url.protocol === 'http:' && !policy.allowInsecureTls) {
    throw rejected(`${clusterPath}.server`, 'plain http sends the credentials in the clear; use https (or start the operator with --insecure-kubeconfig-tls).');
  }
  if (url.username || url.password) throw rejected(`${clusterPath}.server`, 'credentials in the URL are not used; put a token or client certificate in the user.');
  const insecure = cluster.value['insecure-skip-tls-verify'];
  if (insecure !== undefined && insecure !== false) {
    if (insecure !== true) throw invalid(`The kubeconfig's ${clusterPath}.insecure-skip-tls-verify must be true or false.`);
    if (!policy.allowInsecureTls) throw rejected(`${clusterPath}.insecure-skip-tls-verify`, 'it turns off server verification; set certificate-authority-data (or start the operator with --insecure-kubeconfig-tls).');
  }
  const exec = user.value.exec === undefined ? undefined : execOf(user.value.exec, `${userPath}.exec`, policy);
  return {
    server,
    ...optional('certificateAuthorityData', base64Field(cluster.value, 'certificate-authority-data', clusterPath)),
    ...optional('tlsServerName', optionalString(cluster.value, 'tls-server-name', clusterPath)),
    ...(insecure === true ? { insecureSkipTlsVerify: true as const } : {}),
    ...optional('clientCertificateData', base64Field(user.value, 'client-certificate-data', userPath)),
    ...optional('clientKeyData', base64Field(user.value, 'client-key-data', userPath)),
    ...optional('token', optionalString(user.value, 'token', userPath)),
    ...(exec ? { exec } : {}),
  };
}

/** A client-node KubeConfig holding only the validated fields. */
export function toKubeConfig(edge: EdgeKubeconfig): KubeConfig {
  const cluster: Cluster = {
    // client-node talks plain http only with verification off (allowed by policy at parse time).
    name: 'edge', server: edge.server, skipTLSVerify: (edge.insecureSkipTlsVerify ?? false) || edge.server.startsWith('http:'),
    ...(edge.certificateAuthorityData ? { caData: edge.certificateAuthorityData } : {}),
    ...(edge.tlsServerName ? { tlsServerName: edge.tlsServerName } : {}),
  };
  const user: User = {
    name: 'edge',
    ...(edge.clientCertificateData ? { certData: edge.clientCertificateData } : {}),
    ...(edge.clientKeyData ? { keyData: edge.clientKeyData } : {}),
    ...(edge.token ? { token: edge.token } : {}),
    ...(edge.exec ? { exec: { ...edge.exec, args: [...(edge.exec.args ?? [])], env: [...(edge.exec.env ?? [])] } } : {}),
  };
  const config = new KubeConfig();
  config.loadFromOptions({ clusters: [cluster], users: [user], contexts: [{ name: 'edge', cluster: 'edge', user: 'edge' }], currentContext: 'edge' });
  return config;
}

/** The kubeconfig text helm gets: only the validated fields. */
export function renderKubeconfig(edge: EdgeKubeconfig): string {
  return yaml.dump({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'edge',
    clusters: [{ name: 'edge', cluster: {
      server: edge.server,
      ...optional('certificate-authority-data', edge.certificateAuthorityData),
      ...optional('tls-server-name', edge.tlsServerName),
      ...(edge.insecureSkipTlsVerify ? { 'insecure-skip-tls-verify': true } : {}),
    } }],
    users: [{ name: 'edge', user: {
      ...optional('client-certificate-data', edge.clientCertificateData),
      ...optional('client-key-data', edge.clientKeyData),
      ...optional('token', edge.token),
      ...(edge.exec ? { exec: { ...edge.exec, interactiveMode: 'Never' } } : {}),
    } }],
    contexts: [{ name: 'edge', context: { cluster: 'edge', user: 'edge' } }],
  }, { noRefs: true });
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

function named(doc: Tree, list: 'contexts' | 'clusters' | 'users', name: string, field: string): { name: string; value: Tree } {
  const items = doc[list];
  const found = Array.isArray(items) ? items.find((item): item is Tree => isTree(item) && item.name === name) : undefined;
  if (!found) throw invalid(`The kubeconfig has no ${list} entry named "${name}".`);
  const value = found[field] ?? {};
  if (!isTree(value)) throw invalid(`The kubeconfig's ${list}[${name}].${field} is not a map.`);
  return { name, value };
}

function checkFields(value: Tree, allowed: ReadonlySet<string>, path: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.has(key)) throw rejected(`${path}.${key}`, fieldWhy(key));
  }
}

function fieldWhy(key: string): string {
  if (key === 'tokenFile' || key === 'certificate-authority' || key === 'client-certificate' || key === 'client-key') {
    return 'file paths would read the operator\'s own files; embed the CA, certificate, key or token data itself.';
  }
  if (key === 'auth-provider') return 'auth providers run code inside the operator; use a token or a client certificate.';
  if (key === 'proxy-url') return 'the operator does not route edge traffic through proxies named by a Secret.';
  return 'only the server, its CA data and TLS server name, and a token or client certificate and key data are used.';
}

function stringField(value: Tree, key: string, path: string): string {
  const field = value[key];
  if (typeof field !== 'string' || !field) throw invalid(`The kubeconfig's ${path}.${key} is missing or not a string.`);
  return field;
}

function optionalString(value: Tree, key: string, path: string): string | undefined {
  return value[key] === undefined ? undefined : stringField(value, key, path);
}

function base64Field(value: Tree, key: string, path: string): string | undefined {
  const field = optionalString(value, key, path);
  if (field !== undefined && !/^[A-Za-z0-9+/=\s]+$/.test(field)) throw invalid(`The kubeconfig's ${path}.${key} is not base64.`);
  return field;
}

function execOf(value: unknown, path: string, policy: KubeconfigPolicy): ExecCredential {
  if (!policy.allowExec) throw rejected(path, 'exec credential plugins run programs inside the operator; use a token or a client certificate (or start the operator with --insecure-kubeconfig-exec).');
  if (!isTree(value)) throw invalid(`The kubeconfig's ${path} is not a map.`);
  checkFields(value, execFields, path);
  const args = value.args;
  const env = value.env;
  if (args !== undefined && !(Array.isArray(args) && args.every((a) => typeof a === 'string'))) throw invalid(`The kubeconfig's ${path}.args is not a list of strings.`);
  if (env !== undefined && !(Array.isArray(env) && env.every((e) => isTree(e) && typeof e.name === 'string' && typeof e.value === 'string'))) {
    throw invalid(`The kubeconfig's ${path}.env is not a list of name/value pairs.`);
  }
  return {
    apiVersion: stringField(value, 'apiVersion', path), command: stringField(value, 'command', path),
    ...(args ? { args: args as string[] } : {}),
    ...(env ? { env: (env as Tree[]).map((e) => ({ name: String(e.name), value: String(e.value) })) } : {}),
  };
}
