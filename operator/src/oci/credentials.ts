/**
 * Registry credentials per host, with docker config.json semantics (the `.dockerconfigjson` key
 * of a `kubernetes.io/dockerconfigjson` Secret): each registry gets only its own entry, never
 * another's, and a registry without an entry is pulled from anonymously.
 */
export interface RegistryCredentials {
  readonly username: string;
  readonly password: string;
}

export type CredentialsByHost = ReadonlyMap<string, RegistryCredentials>;

/** The host a config.json key names: `https://r.example:5000/v1/` and `r.example:5000` are the same. */
function hostOfKey(key: string): string {
  const stripped = key.replace(/^https?:\/\//, '');
  const host = stripped.split('/')[0] ?? '';
  // Docker Hub's historical keys all mean one registry.
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host.toLowerCase();
}

/** Parses config.json text; throws Error with a message that names no secret value. */
export function parseDockerConfig(text: string): CredentialsByHost {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error('.dockerconfigjson is not JSON');
  }
  const auths = typeof doc === 'object' && doc !== null ? (doc as { auths?: unknown }).auths : undefined;
  if (typeof auths !== 'object' || auths === null || Array.isArray(auths)) throw new Error('.dockerconfigjson has no "auths" map');
  const result = new Map<string, RegistryCredentials>();
  for (const [key, entry] of Object.entries(auths)) {
    if (typeof entry !== 'object' || entry === null) throw new Error(`.dockerconfigjson entry "${key.slice(0, 100)}" is not a map`);
    const { username, password, auth } = entry as { username?: unknown; password?: unknown; auth?: unknown };
    if (typeof username === 'string' && typeof password === 'string') {
      result.set(hostOfKey(key), { username, password });
    } else if (typeof auth === 'string') {
      const decoded = Buffer.from(auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) throw new Error(`.dockerconfigjson entry "${key.slice(0, 100)}" has an "auth" that is not base64 of user:password`);
      result.set(hostOfKey(key), { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) });
    } else {
      throw new Error(`.dockerconfigjson entry "${key.slice(0, 100)}" has neither username and password nor auth`);
    }
  }
  return result;
}

/** The credentials for exactly `host` (host[:port]), or undefined. */
export function credentialsFor(store: CredentialsByHost | undefined, host: string): RegistryCredentials | undefined {
  return store?.get(hostOfKey(host));
}
