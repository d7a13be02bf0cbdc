/**
 * Keeps credentials out of error messages. Helm and the API server rarely echo what they were
 * given, but a broken kubeconfig can be quoted back in a parse error; every message that
 * leaves this plugin goes through `redact` with the secrets of the call.
 */
import yaml from 'js-yaml';

/** Keys of a kubeconfig whose values are names or addresses, useful in messages and not secret. */
const publicKeys = new Set([
  'apiVersion', 'kind', 'name', 'cluster', 'user', 'namespace', 'current-context', 'server',
  'tls-server-name', 'insecure-skip-tls-verify', 'command', 'interactiveMode', 'provideClusterInfo',
]);

/** Shorter strings are names like "admin" or "true": redacting them would only garble messages. */
const minSecretLength = 8;

/**
 * The strings of a kubeconfig that must never be shown: every value except names and server
 * addresses (keys, certificates, tokens, passwords, exec arguments and env, proxy URLs), the
 * PEM lines inside base64 `*-data` values, and the whole text. A kubeconfig that is not YAML
 * contributes each of its lines.
 */
export function kubeconfigSecrets(kubeconfig: string): string[] {
  const secrets = new Set<string>([kubeconfig.trim()]);
  let doc: unknown;
  try {
    doc = yaml.load(kubeconfig, { schema: yaml.FAILSAFE_SCHEMA });
  } catch {
    doc = undefined;
  }
  if (doc === undefined || typeof doc !== 'object' || doc === null) {
    for (const line of kubeconfig.split('\n')) secrets.add(line.trim());
  } else {
    collect(doc, undefined, secrets);
  }
  return [...secrets].filter((s) => s.length >= minSecretLength);
}

function collect(node: unknown, key: string | undefined, into: Set<string>): void {
  if (typeof node === 'string') {
    if (key !== undefined && publicKeys.has(key)) return;
    into.add(node);
    if (key?.endsWith('-data')) {
      const decoded = Buffer.from(node, 'base64').toString('utf8');
      for (const line of decoded.split('\n')) if (!line.startsWith('-----')) into.add(line.trim());
    }
    return;
  }
  if (Array.isArray(node)) {
    for (const item of node) collect(item, key, into);
    return;
  }
  if (typeof node === 'object' && node !== null) {
    for (const [k, v] of Object.entries(node)) collect(v, k, into);
  }
}

/** The strings of registry credentials that must never be shown: the password and the basic-auth blob. */
export function credentialSecrets(credentials: { username: string; password: string } | undefined): string[] {
  if (!credentials) return [];
  const basic = Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64');
  return [credentials.password, basic].filter((s) => s.length > 0);
}

/** `text` with every occurrence of each secret replaced by `<redacted>` (longest first). */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret && out.includes(secret)) out = out.split(secret).join('<redacted>');
  }
  return out;
}
