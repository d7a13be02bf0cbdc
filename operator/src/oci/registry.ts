/**
 * A client of one OCI distribution registry (distribution-spec v1.1): manifests and blobs,
 * monolithic uploads, cross-repository mounts, basic auth and the bearer-token challenge.
 * Streams blob bodies; nothing here holds an image in memory. Credentials never appear in
 * errors.
 */
import { createHash } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';

export interface RegistryOptions {
  /** `http://host:port` or `https://host:port`. */
  readonly baseUrl: string;
  readonly credentials?: { readonly username: string; readonly password: string };
  readonly caPem?: string;
  readonly timeoutMs?: number;
}

export class RegistryError extends Error {
  constructor(message: string, readonly status: number | undefined, readonly code?: string) {
    super(message);
    this.name = 'RegistryError';
  }
}

export const manifestMediaTypes = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
] as const;

export interface Manifest {
  readonly mediaType: string;
  readonly digest: string;
  readonly body: Buffer;
}

interface Response {
  /** `METHOD host/path`, for error messages. */
  readonly label: string;
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly message: IncomingMessage;
}

type Body = Buffer | { stream: Readable; size: number } | undefined;

export class Registry {
  readonly host: string;
  private readonly agent: HttpAgent | HttpsAgent;
  private readonly tokens = new Map<string, string>();

  constructor(private readonly options: RegistryOptions) {
    const url = new URL(options.baseUrl);
    this.host = url.host;
    this.agent = url.protocol === 'https:'
      ? new HttpsAgent({ keepAlive: true, maxSockets: 8, ...(options.caPem ? { ca: options.caPem } : {}) })
      : new HttpAgent({ keepAlive: true, maxSockets: 8 });
  }

  close(): void {
    this.agent.destroy();
  }

  /** GET /v2/: resolves when the registry answers and accepts our credentials. */
  async ping(): Promise<void> {
    const res = await this.send('GET', '/v2/', {}, undefined, '');
    await drain(res, [200]);
  }

  async getManifest(repository: string, reference: string): Promise<Manifest> {
    const res = await this.send('GET', `/v2/${repository}/manifests/${reference}`, { Accept: manifestMediaTypes.join(', ') }, undefined, `repository:${repository}:pull`);
    const body = await readAll(res, [200]);
    const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    const mediaType = String(res.headers['content-type'] ?? '').split(';')[0] || (JSON.parse(body.toString('utf8')) as { mediaType?: string }).mediaType || '';
    return { mediaType, digest, body };
  }

  /** The manifest digest a tag points to, or undefined when absent. */
  async resolve(repository: string, reference: string): Promise<string | undefined> {
    const res = await this.send('HEAD', `/v2/${repository}/manifests/${reference}`, { Accept: manifestMediaTypes.join(', ') }, undefined, `repository:${repository}:pull`);
    res.message.resume();
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw this.error('HEAD manifest', res.status);
    return String(res.headers['docker-content-digest'] ?? '') || undefined;
  }

  async putManifest(repository: string, reference: string, manifest: Pick<Manifest, 'mediaType' | 'body'>): Promise<string> {
    const res = await this.send('PUT', `/v2/${repository}/manifests/${reference}`, { 'Content-Type': manifest.mediaType }, manifest.body, `repository:${repository}:pull,push`);
    await drain(res, [201, 200]);
    return String(res.headers['docker-content-digest'] ?? `sha256:${createHash('sha256').update(manifest.body).digest('hex')}`);
  }

  async deleteManifest(repository: string, digest: string): Promise<void> {
    const res = await this.send('DELETE', `/v2/${repository}/manifests/${digest}`, {}, undefined, `repository:${repository}:delete`);
    await drain(res, [202, 200, 404]);
  }

  async hasBlob(repository: string, digest: string): Promise<boolean> {
    const res = await this.send('HEAD', `/v2/${repository}/blobs/${digest}`, {}, undefined, `repository:${repository}:pull`);
    res.message.resume();
    if (res.status === 200) return true;
    if (res.status === 404) return false;
    throw this.error('HEAD blob', res.status);
  }

  /** Opens a blob for reading; the caller must consume or destroy the stream. */
  async getBlob(repository: string, digest: string): Promise<{ stream: Readable; size: number }> {
    const res = await this.send('GET', `/v2/${repository}/blobs/${digest}`, {}, undefined, `repository:${repository}:pull`);
    if (res.status !== 200) {
      res.message.resume();
      throw this.error(`GET blob ${digest}`, res.status);
    }
    return { stream: res.message, size: Number(res.headers['content-length'] ?? 0) };
  }

  /** Uploads a blob in one PUT (monolithic upload); the registry checks the digest. */
  async pushBlob(repository: string, digest: string, body: Buffer | { stream: Readable; size: number }): Promise<void> {
    const scope = `repository:${repository}:pull,push`;
    const start = await this.send('POST', `/v2/${repository}/blobs/uploads/`, {}, Buffer.alloc(0), scope);
    await drain(start, [202]);
    const location = new URL(String(start.headers.location ?? ''), this.options.baseUrl);
    location.searchParams.set('digest', digest);
    const put = await this.send('PUT', `${location.pathname}${location.search}`, { 'Content-Type': 'application/octet-stream' }, body, scope);
    await drain(put, [201]);
  }

  /** Mounts a blob from another repository of the same registry; false when it must be copied. */
  async mountBlob(repository: string, digest: string, from: string): Promise<boolean> {
    const res = await this.send('POST', `/v2/${repository}/blobs/uploads/?mount=${digest}&from=${from}`, {}, Buffer.alloc(0), `repository:${repository}:pull,push repository:${from}:pull`);
    res.message.resume();
    if (res.status === 201) return true;
    if (res.status === 202) {
      // The registry opened an upload instead; cancel it so it does not linger.
      const location = String(res.headers.location ?? '');
      if (location) (await this.send('DELETE', new URL(location, this.options.baseUrl).pathname, {}, undefined, `repository:${repository}:push`)).message.resume();
      return false;
    }
    throw this.error('mount blob', res.status);
  }

  private error(what: string, status: number): RegistryError {
    const hint = status === 401 || status === 403 ? ' (credentials refused)' : '';
    return new RegistryError(`${what} at ${this.host}: HTTP ${status}${hint}`, status);
  }

  /** Sends a request, answering a bearer challenge once with a token for `scope`. */
  private async send(method: string, path: string, headers: Record<string, string>, body: Body, scope: string): Promise<Response> {
    const first = await this.raw(method, path, { ...headers, ...this.authHeader(scope) }, body);
    if (first.status !== 401 || (body && !Buffer.isBuffer(body))) return first;
    const challenge = String(first.headers['www-authenticate'] ?? '');
    if (!challenge.toLowerCase().startsWith('bearer ')) return first;
    first.message.resume();
    await this.fetchToken(challenge, scope);
    return this.raw(method, path, { ...headers, ...this.authHeader(scope) }, body);
  }

  private authHeader(scope: string): Record<string, string> {
    const token = this.tokens.get(scope);
    if (token) return { Authorization: `Bearer ${token}` };
    const c = this.options.credentials;
    return c ? { Authorization: `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}` } : {};
  }

  private async fetchToken(challenge: string, scope: string): Promise<void> {
    const params = Object.fromEntries([...challenge.slice(7).matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    if (!params.realm) throw new RegistryError(`the registry at ${this.host} sent a bearer challenge without a realm`, 401);
    const url = new URL(params.realm);
    if (params.service) url.searchParams.set('service', params.service);
    for (const s of scope.split(' ').filter(Boolean)) url.searchParams.append('scope', s);
    const c = this.options.credentials;
    const res = await this.raw('GET', url.toString(), c ? { Authorization: `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}` } : {}, undefined);
    const body = JSON.parse((await readAll(res, [200])).toString('utf8')) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new RegistryError(`the token service of ${this.host} returned no token`, res.status);
    this.tokens.set(scope, token);
  }

  private raw(method: string, pathOrUrl: string, headers: Record<string, string>, body: Body): Promise<Response> {
    const url = new URL(pathOrUrl, this.options.baseUrl);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const timeout = this.options.timeoutMs ?? 60_000;
    const size = body === undefined ? undefined : Buffer.isBuffer(body) ? body.length : body.size;
    return new Promise((resolve, reject) => {
      const req = send(url, {
        method, timeout, agent: url.host === this.host ? this.agent : undefined,
        headers: { ...headers, ...(size !== undefined ? { 'Content-Length': String(size) } : {}) },
      }, (message) => resolve({ label: `${method} ${url.host}${url.pathname}`, status: message.statusCode ?? 0, headers: message.headers, message }));
      req.on('timeout', () => req.destroy(new RegistryError(`${method} ${url.host}${url.pathname} timed out after ${timeout} ms`, undefined, 'ETIMEDOUT')));
      req.on('error', (error) => reject(error instanceof RegistryError ? error
        : new RegistryError(`${method} ${url.host}: ${error.message}`, undefined, (error as NodeJS.ErrnoException).code)));
      if (body === undefined) req.end();
      else if (Buffer.isBuffer(body)) req.end(body);
      else body.stream.pipe(req);
    });
  }
}

async function readAll(res: Response, ok: readonly number[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of res.message) chunks.push(chunk as Buffer);
  if (!ok.includes(res.status)) {
    const hint = res.status === 401 || res.status === 403 ? ' (credentials refused)' : '';
    throw new RegistryError(`${res.label}: HTTP ${res.status}${hint}: ${Buffer.concat(chunks).toString('utf8').slice(0, 200)}`, res.status);
  }
  return Buffer.concat(chunks);
}

async function drain(res: Response, ok: readonly number[]): Promise<void> {
  await readAll(res, ok);
}
