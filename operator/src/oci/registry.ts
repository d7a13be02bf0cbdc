/**
 * A client of one OCI distribution registry (distribution-spec v1.1): manifests and blobs,
 * monolithic uploads, cross-repository mounts, basic auth and the bearer-token challenge.
 * Streams blob bodies; nothing here holds an image in memory.
 *
 * What a hostile registry or network cannot make us do: credentials go out only after the
 * registry asks for them (a 401 challenge), to that registry or to the token realm it names —
 * and a realm must be https unless the registry itself is plain http (listed insecure); tags,
 * digests and repository paths are checked before they enter a URL; every answer read into
 * memory is size-capped and every request has a total deadline; errors carry the status code,
 * never the registry's response text, and never credentials.
 */
import { createHash } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { checkedReference, checkedRepository } from './reference.js';

export interface RegistryOptions {
  /** `http://host:port` or `https://host:port`. */
  readonly baseUrl: string;
  readonly credentials?: { readonly username: string; readonly password: string };
  readonly caPem?: string;
  /** Idle timeout of a request: no byte for this long fails it. */
  readonly timeoutMs?: number;
  /** Total deadline of one request, its answer read to the end (default 10 min: a large blob). */
  readonly deadlineMs?: number;
}

/** Largest manifest (and error or token answer) read into memory. */
const maxManifestBytes = 4 * 1024 * 1024;
const maxTokenBytes = 64 * 1024;

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
  /** The registry asked for Basic credentials once: send them from now on. */
  private basicAccepted = false;

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
    const res = await this.send('GET', `/v2/${checkedRepository(repository)}/manifests/${checkedReference(reference)}`, { Accept: manifestMediaTypes.join(', ') }, undefined, `repository:${repository}:pull`);
    const body = await readAll(res, [200], maxManifestBytes);
    const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    const mediaType = String(res.headers['content-type'] ?? '').split(';')[0] || mediaTypeOf(body);
    return { mediaType, digest, body };
  }

  /** The manifest digest a tag points to, or undefined when absent. */
  async resolve(repository: string, reference: string): Promise<string | undefined> {
    const res = await this.send('HEAD', `/v2/${checkedRepository(repository)}/manifests/${checkedReference(reference)}`, { Accept: manifestMediaTypes.join(', ') }, undefined, `repository:${repository}:pull`);
    res.message.resume();
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw this.error('HEAD manifest', res.status);
    return String(res.headers['docker-content-digest'] ?? '') || undefined;
  }

  async putManifest(repository: string, reference: string, manifest: Pick<Manifest, 'mediaType' | 'body'>): Promise<string> {
    const res = await this.send('PUT', `/v2/${checkedRepository(repository)}/manifests/${checkedReference(reference)}`, { 'Content-Type': manifest.mediaType }, manifest.body, `repository:${repository}:pull,push`);
    await drain(res, [201, 200]);
    return String(res.headers['docker-content-digest'] ?? `sha256:${createHash('sha256').update(manifest.body).digest('hex')}`);
  }

  async deleteManifest(repository: string, digest: string): Promise<void> {
    const res = await this.send('DELETE', `/v2/${checkedRepository(repository)}/manifests/${checkedReference(digest)}`, {}, undefined, `repository:${repository}:delete`);
    await drain(res, [202, 200, 404]);
  }

  async hasBlob(repository: string, digest: string): Promise<boolean> {
    const res = await this.send('HEAD', `/v2/${checkedRepository(repository)}/blobs/${checkedReference(digest)}`, {}, undefined, `repository:${repository}:pull`);
    res.message.resume();
    if (res.status === 200) return true;
    if (res.status === 404) return false;
    throw this.error('HEAD blob', res.status);
  }

  /** Opens a blob for reading; the caller must consume or destroy the stream. */
  async getBlob(repository: string, digest: string): Promise<{ stream: Readable; size: number }> {
    const res = await this.send('GET', `/v2/${checkedRepository(repository)}/blobs/${checkedReference(digest)}`, {}, undefined, `repository:${repository}:pull`);
    if (res.status !== 200) {
      res.message.resume();
      throw this.error(`GET blob ${digest}`, res.status);
    }
    return { stream: res.message, size: Number(res.headers['content-length'] ?? 0) };
  }

  /** Uploads a blob in one PUT (monolithic upload); the registry checks the digest. */
  async pushBlob(repository: string, digest: string, body: Buffer | { stream: Readable; size: number }): Promise<void> {
    const scope = `repository:${repository}:pull,push`;
    const start = await this.send('POST', `/v2/${checkedRepository(repository)}/blobs/uploads/`, {}, Buffer.alloc(0), scope);
    await drain(start, [202]);
    const location = this.uploadLocation(start);
    location.searchParams.set('digest', checkedReference(digest));
    const put = await this.send('PUT', `${location.pathname}${location.search}`, { 'Content-Type': 'application/octet-stream' }, body, scope);
    await drain(put, [201]);
  }

  /** Mounts a blob from another repository of the same registry; false when it must be copied. */
  async mountBlob(repository: string, digest: string, from: string): Promise<boolean> {
    const res = await this.send('POST', `/v2/${checkedRepository(repository)}/blobs/uploads/?mount=${checkedReference(digest)}&from=${checkedRepository(from)}`, {}, Buffer.alloc(0), `repository:${repository}:pull,push repository:${from}:pull`);
    res.message.resume();
    if (res.status === 201) return true;
    if (res.status === 202) {
      // The registry opened an upload instead; cancel it so it does not linger.
      if (res.headers.location) (await this.send('DELETE', this.uploadLocation(res).pathname, {}, undefined, `repository:${repository}:push`)).message.resume();
      return false;
    }
    throw this.error('mount blob', res.status);
  }

  /** Where the registry says to upload: on this registry only, whatever Location it sent. */
  private uploadLocation(res: Response): URL {
    const location = new URL(String(res.headers.location ?? ''), this.options.baseUrl);
    if (location.host !== this.host) throw new RegistryError(`the registry at ${this.host} sent an upload location on another host`, res.status);
    return location;
  }

  private error(what: string, status: number): RegistryError {
    const hint = status === 401 || status === 403 ? ' (credentials refused)' : '';
    return new RegistryError(`${what} at ${this.host}: HTTP ${status}${hint}`, status);
  }

  /**
   * Sends a request, answering a 401 challenge once: Basic with our credentials, Bearer with a
   * token for `scope` from the realm. Nothing is sent before the registry asks for it.
   */
  private async send(method: string, path: string, headers: Record<string, string>, body: Body, scope: string): Promise<Response> {
    const first = await this.raw(method, path, { ...headers, ...this.authHeader(scope) }, body);
    if (first.status !== 401 || (body && !Buffer.isBuffer(body))) return first;
    const challenge = String(first.headers['www-authenticate'] ?? '');
    const scheme = challenge.split(' ')[0]?.toLowerCase();
    if (scheme === 'basic' && this.options.credentials && !this.basicAccepted) {
      first.message.resume();
      this.basicAccepted = true;
    } else if (scheme === 'bearer') {
      first.message.resume();
      await this.fetchToken(challenge, scope);
    } else {
      return first;
    }
    return this.raw(method, path, { ...headers, ...this.authHeader(scope) }, body);
  }

  private authHeader(scope: string): Record<string, string> {
    const token = this.tokens.get(scope);
    if (token) return { Authorization: `Bearer ${token}` };
    return this.basicAccepted ? this.basicHeader() : {};
  }

  private basicHeader(): Record<string, string> {
    const c = this.options.credentials;
    return c ? { Authorization: `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}` } : {};
  }

  private async fetchToken(challenge: string, scope: string): Promise<void> {
    const params = Object.fromEntries([...challenge.slice(7).matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    if (!params.realm) throw new RegistryError(`the registry at ${this.host} sent a bearer challenge without a realm`, 401);
    let url: URL;
    try {
      url = new URL(params.realm);
    } catch {
      throw new RegistryError(`the registry at ${this.host} sent a bearer realm that is not a URL`, 401);
    }
    // Credentials travel to the realm: over TLS, unless the registry itself is plain http.
    const plainRegistry = new URL(this.options.baseUrl).protocol === 'http:';
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && plainRegistry)) {
      throw new RegistryError(`the registry at ${this.host} named a token realm that is not https (${url.protocol}); refused`, 401);
    }
    if (params.service) url.searchParams.set('service', params.service);
    for (const s of scope.split(' ').filter(Boolean)) url.searchParams.append('scope', s);
    const res = await this.raw('GET', url.toString(), this.basicHeader(), undefined);
    let body: { token?: unknown; access_token?: unknown };
    try {
      body = JSON.parse((await readAll(res, [200], maxTokenBytes)).toString('utf8')) as typeof body;
    } catch (error) {
      if (error instanceof RegistryError) throw error;
      throw new RegistryError(`the token service of ${this.host} answered something that is not JSON`, res.status);
    }
    const token = body.token ?? body.access_token;
    if (typeof token !== 'string' || !token || token.length > 16_384) throw new RegistryError(`the token service of ${this.host} returned no token`, res.status);
    this.tokens.set(scope, token);
  }

  private raw(method: string, pathOrUrl: string, headers: Record<string, string>, body: Body): Promise<Response> {
    const url = new URL(pathOrUrl, this.options.baseUrl);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const timeout = this.options.timeoutMs ?? 60_000;
    const deadlineMs = this.options.deadlineMs ?? 600_000;
    const size = body === undefined ? undefined : Buffer.isBuffer(body) ? body.length : body.size;
    return new Promise((resolve, reject) => {
      let answer: IncomingMessage | undefined;
      const req = send(url, {
        method, timeout, agent: url.host === this.host ? this.agent : undefined,
        headers: { ...headers, ...(size !== undefined ? { 'Content-Length': String(size) } : {}) },
      }, (message) => {
        answer = message;
        message.once('close', () => clearTimeout(deadline));
        resolve({ label: `${method} ${url.host}${url.pathname}`, status: message.statusCode ?? 0, headers: message.headers, message });
      });
      // The whole exchange, answer included: a registry that trickles bytes cannot hold us.
      const deadline = setTimeout(() => {
        const late = new RegistryError(`${method} ${url.host}${url.pathname} did not finish within ${deadlineMs} ms`, undefined, 'ETIMEDOUT');
        if (answer) answer.destroy(late);
        else req.destroy(late);
      }, deadlineMs);
      deadline.unref();
      req.once('close', () => { if (!answer) clearTimeout(deadline); });
      req.on('timeout', () => req.destroy(new RegistryError(`${method} ${url.host}${url.pathname} timed out after ${timeout} ms`, undefined, 'ETIMEDOUT')));
      req.on('error', (error) => reject(error instanceof RegistryError ? error
        : new RegistryError(`${method} ${url.host}: ${error.message}`, undefined, (error as NodeJS.ErrnoException).code)));
      if (body === undefined) req.end();
      else if (Buffer.isBuffer(body)) req.end(body);
      else body.stream.pipe(req);
    });
  }
}

/**
 * Reads an answer of at most `maxBytes`. A status not in `ok` fails with the status only: the
 * registry's text is not ours to show in a status or an event.
 */
async function readAll(res: Response, ok: readonly number[], maxBytes: number): Promise<Buffer> {
  if (!ok.includes(res.status)) {
    res.message.resume();
    const hint = res.status === 401 || res.status === 403 ? ' (credentials refused)' : '';
    throw new RegistryError(`${res.label}: HTTP ${res.status}${hint}`, res.status);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res.message) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) {
        res.message.destroy();
        throw new RegistryError(`${res.label}: the answer is larger than ${maxBytes} bytes; refused`, res.status);
      }
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    if (error instanceof RegistryError) throw error;
    throw new RegistryError(`${res.label}: the answer broke off (${(error as NodeJS.ErrnoException).code ?? 'connection lost'})`, undefined, (error as NodeJS.ErrnoException).code);
  }
  return Buffer.concat(chunks);
}

async function drain(res: Response, ok: readonly number[]): Promise<void> {
  await readAll(res, ok, maxManifestBytes);
}

function mediaTypeOf(body: Buffer): string {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { mediaType?: unknown };
    return typeof parsed.mediaType === 'string' ? parsed.mediaType : '';
  } catch {
    return '';
  }
}
