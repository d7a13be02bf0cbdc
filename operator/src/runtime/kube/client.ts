/**
 * A small REST client for one Kubernetes cluster, on Node's http(s) with one keep-alive agent
 * per client: every request has a timeout, goes through the cluster's token bucket, and is
 * counted. client-node's KubeConfig still parses the kubeconfig and supplies TLS material and
 * auth headers; its generated clients are not used because they open a new agent per call
 * and offer no per-request timeout (see docs/decisions.md).
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions } from 'node:https';
import { createSecureContext } from 'node:tls';
import type { KubeConfig } from '@kubernetes/client-node';
import { TokenBucket } from '../ratelimit.js';
import { parseStatusBody, TransportError } from './errors.js';

export interface KubeClientOptions {
  /** Label for metrics and logs, e.g. `hub` or an EdgeHost name. */
  readonly name: string;
  readonly qps?: number;
  readonly burst?: number;
  /** Default per-request timeout (watches use their own). */
  readonly timeoutMs?: number;
  /** A kept-alive connection unused this long is closed (default 90 s: a host probed every 30 s keeps one). */
  readonly idleSocketMs?: number;
  readonly onRequest?: (sample: RequestSample) => void;
}

/**
 * Whom a client acts as (Kubernetes user impersonation): the API server authorizes each
 * request as `user` with `groups`, provided the client's own credential may impersonate them.
 */
export interface Impersonation {
  /** Sent as Impersonate-User. */
  readonly user: string;
  /** Sent as one Impersonate-Group header each. */
  readonly groups: readonly string[];
}

export interface RequestSample {
  readonly client: string;
  readonly host: string;
  readonly method: string;
  /** HTTP status, or `<error>` when no answer came. */
  readonly code: string;
  readonly seconds: number;
}

export interface RequestInput {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
  readonly body?: unknown;
  readonly contentType?: string;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Accept header, e.g. to ask for PartialObjectMetadata; default application/json. */
  readonly accept?: string;
}

/** Kept-alive connections a client keeps idle at most. */
export const maxIdleSockets = 2;

export class KubeClient {
  readonly host: string;
  private readonly timeoutMs: number;

  private constructor(
    private readonly config: KubeConfig,
    private readonly server: URL,
    private readonly agent: HttpsAgent | HttpAgent,
    private readonly options: KubeClientOptions,
    private readonly limiter: TokenBucket,
    /** Set on a client made by `impersonating`; such a client does not own the agent. */
    readonly impersonation?: Impersonation,
  ) {
    this.host = server.host;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** Builds a client for the current context of `config`. Throws when it names no cluster. */
  static async create(config: KubeConfig, options: KubeClientOptions): Promise<KubeClient> {
    const cluster = config.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig names no current cluster');
    const server = new URL(cluster.server);
    const opts: RequestOptions = {};
    await config.applyToHTTPSOptions(opts);
    // At most a few idle connections wait, each for idleSocketMs: a client per EdgeHost must not
    // keep a burst's connections for ever. One TLS context per client, its key and certificates
    // parsed once, not once per connection (docs/performance.md). The TLS options live on the
    // agent alone: Node gives an agent's options precedence over a request's.
    const pool = { keepAlive: true, maxSockets: 64, maxFreeSockets: maxIdleSockets, timeout: options.idleSocketMs ?? 90_000 };
    const agent = server.protocol === 'https:'
      ? new HttpsAgent({
        ...pool, secureContext: createSecureContext({ ca: opts.ca, cert: opts.cert, key: opts.key }),
        rejectUnauthorized: opts.rejectUnauthorized, servername: opts.servername,
      })
      : new HttpAgent(pool);
    return new KubeClient(config, server, agent, options, new TokenBucket(options.qps ?? 50, options.burst ?? 100));
  }

  /**
   * A client that sends every request as `who`, over this client's connections and within its
   * rate limit (the cluster sees one client, not one per identity). This client itself never
   * sends impersonation headers. Closing the returned client does nothing; close this one.
   */
  impersonating(who: Impersonation): KubeClient {
    if (this.impersonation) throw new Error('an impersonating client cannot impersonate again');
    return new KubeClient(this.config, this.server, this.agent, this.options, this.limiter,
      { user: who.user, groups: [...who.groups] });
  }

  /** Open sockets of this client (to verify that reconnects do not leak). */
  socketCount(): number {
    const count = (m: NodeJS.ReadOnlyDict<unknown[]>) => Object.values(m).reduce((n, list) => n + (list?.length ?? 0), 0);
    return count(this.agent.sockets) + count(this.agent.freeSockets);
  }

  /** Closes idle and open sockets; the client must not be used afterwards. A no-op on an impersonating client. */
  close(): void {
    if (!this.impersonation) this.agent.destroy();
  }

  /**
   * Sends a request and parses the JSON answer; throws ApiError for HTTP ≥ 400. The timeout
   * bounds the whole exchange, not only silence: a server that trickles bytes cannot hold us.
   */
  async request<T>(input: RequestInput): Promise<T> {
    const timeoutMs = input.timeoutMs ?? this.timeoutMs;
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new TransportError(`${input.method} ${input.path} did not finish within ${timeoutMs} ms`, true)), timeoutMs);
    const signal = input.signal ? AbortSignal.any([input.signal, deadline.signal]) : deadline.signal;
    let body: string;
    let response: Awaited<ReturnType<KubeClient['send']>>;
    try {
      response = await this.send({ ...input, signal }, timeoutMs);
      body = await readBody(response.message);
    } catch (error) {
      // Node reports a destroyed answer as a bare "aborted": say which deadline it was.
      if (deadline.signal.aborted && !(error instanceof TransportError && error.code === 'ERESPONSETOOLARGE')) throw deadline.signal.reason as TransportError;
      if (!(error instanceof TransportError) && signal.aborted) throw new TransportError(`${input.method} ${input.path} aborted`, false);
      throw error;
    } finally {
      clearTimeout(timer);
    }
    response.finish(String(response.message.statusCode));
    const code = response.message.statusCode ?? 0;
    if (code >= 400) throw parseStatusBody(code, body);
    return (body ? JSON.parse(body) : undefined) as T;
  }

  /**
   * Opens a watch and yields its events until the server ends the stream, `signal` aborts, or
   * no byte arrives for `idleTimeoutMs` (a silent stream is treated as dead).
   */
  async *watch<T>(
    path: string, query: RequestInput['query'], signal: AbortSignal, idleTimeoutMs: number, accept?: string,
  ): AsyncGenerator<WatchEvent<T>> {
    const response = await this.send({ method: 'GET', path, query: { ...query, watch: true }, signal, accept }, idleTimeoutMs);
    const { message } = response;
    const code = message.statusCode ?? 0;
    if (code >= 400) {
      const body = await readBody(message);
      response.finish(String(code));
      throw parseStatusBody(code, body);
    }
    response.finish(String(code));
    message.setEncoding('utf8');
    let buffered = '';
    try {
      for await (const chunk of message as AsyncIterable<string>) {
        buffered += chunk;
        if (buffered.length > maxResponseBytes) throw new TransportError(`a watch event is larger than ${maxResponseBytes} bytes; refused`, false, 'ERESPONSETOOLARGE');
        let newline: number;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          if (line) yield JSON.parse(line) as WatchEvent<T>;
        }
      }
    } finally {
      // Destroying the response closes its socket instead of returning a half-read one to the pool.
      message.destroy();
    }
  }

  private async send(input: RequestInput, timeoutMs: number): Promise<{ message: IncomingMessage; finish(code: string): void }> {
    await this.limiter.take();
    const url = new URL(input.path, this.server);
    for (const [key, value] of Object.entries(input.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const auth: RequestOptions = { headers: {} };
    await this.config.applyToHTTPSOptions(auth);
    const payload = input.body === undefined ? undefined
      : typeof input.body === 'string' ? input.body : JSON.stringify(input.body);
    const headers: Record<string, string | string[]> = { Accept: input.accept ?? 'application/json', 'User-Agent': 'mecm-operator' };
    for (const [key, value] of Object.entries(auth.headers ?? {})) {
      // An impersonating client acts as its identity only, whatever the kubeconfig's `as` says.
      if (typeof value === 'string' && !(this.impersonation && /^impersonate-/i.test(key))) headers[key] = value;
    }
    if (auth.auth) headers.Authorization = `Basic ${Buffer.from(auth.auth).toString('base64')}`;
    if (this.impersonation) {
      headers['Impersonate-User'] = this.impersonation.user;
      // Node sends an array as one header line per value, as the API server expects for groups.
      if (this.impersonation.groups.length) headers['Impersonate-Group'] = [...this.impersonation.groups];
    }
    if (payload !== undefined) {
      headers['Content-Type'] = input.contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    const started = process.hrtime.bigint();
    const finish = (code: string) => this.options.onRequest?.({
      client: this.options.name, host: this.host, method: input.method, code,
      seconds: Number(process.hrtime.bigint() - started) / 1e9,
    });
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(url, { method: input.method, headers, agent: this.agent, timeout: timeoutMs });
      const onAbort = () => {
        const reason: unknown = input.signal?.reason;
        req.destroy(reason instanceof TransportError ? reason : new TransportError(`${input.method} ${url.pathname} aborted`, false));
      };
      // The signal may have fired while we waited for a token; then abort at once.
      if (input.signal?.aborted) onAbort();
      else input.signal?.addEventListener('abort', onAbort, { once: true });
      req.on('timeout', () => req.destroy(new TransportError(`${input.method} ${url.pathname} timed out after ${timeoutMs} ms`, true)));
      req.on('error', (error) => {
        input.signal?.removeEventListener('abort', onAbort);
        finish('<error>');
        reject(error instanceof TransportError ? error
          : new TransportError(`${input.method} ${url.host}${url.pathname}: ${error.message}`, false, (error as NodeJS.ErrnoException).code));
      });
      req.on('response', (message) => {
        message.on('close', () => input.signal?.removeEventListener('abort', onAbort));
        resolve({ message, finish });
      });
      req.end(payload);
    });
  }
}

export interface WatchEvent<T> {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  readonly object: T;
}

/**
 * The most a single answer (or watch line) may hold. The hub is ours, but an edge API server
 * is only as trustworthy as the cluster behind it: a huge answer must not exhaust memory.
 */
export const maxResponseBytes = 64 * 1024 * 1024;

function readBody(message: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    message.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxResponseBytes) {
        message.destroy(new TransportError(`the answer is larger than ${maxResponseBytes} bytes; refused`, false, 'ERESPONSETOOLARGE'));
        return;
      }
      chunks.push(chunk);
    });
    message.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    message.on('error', reject);
  });
}
