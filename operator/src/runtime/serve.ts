/**
 * The operator's HTTP endpoints: /metrics on one address, /healthz and /readyz on another.
 * Whatever a client sends, the server answers 4xx and keeps serving: paths are read without
 * `new URL` (which throws on `//`), only GET and HEAD are served, headers are size-capped
 * (431 from Node), and a client that sends its headers too slowly is cut off.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Registry } from 'prom-client';
import type { MetricsAuth } from './metrics-auth.js';

export interface Check {
  (): { ok: true } | { ok: false; reason: string };
}

/** Parses `host:port` or `:port` (all interfaces); `0` disables. */
export function parseBindAddress(address: string): { host: string; port: number } | undefined {
  if (address === '0' || address === '') return undefined;
  const colon = address.lastIndexOf(':');
  const host = colon > 0 ? address.slice(0, colon) : '0.0.0.0';
  const port = Number(address.slice(colon + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad bind address "${address}"`);
  return { host, port };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * /metrics. With `auth`, a request must carry a bearer token that the hub authenticates
 * (TokenReview) and authorizes for `get` on the non-resource URL /metrics (SubjectAccessReview),
 * as controller-runtime's authentication filter does. Without it, only a loopback address may
 * be bound: unauthenticated metrics never leave the pod.
 */
export function serveMetrics(address: string, registry: Registry, auth: MetricsAuth | undefined): Promise<Server | undefined> {
  const bind = parseBindAddress(address);
  if (bind && !auth && !isLoopback(bind.host)) {
    throw new Error(`--metrics-bind-address ${address}: unauthenticated metrics are served on a loopback address only (e.g. 127.0.0.1:8080)`);
  }
  return listen(address, async (path, request) => {
    if (path !== '/metrics') return { status: 404, body: 'not found\n' };
    if (auth) {
      const verdict = await auth.check(request.headers.authorization);
      if (verdict !== 'Allowed') return { status: verdictStatus[verdict], body: `${verdict}\n` };
    }
    return { status: 200, body: await registry.metrics(), contentType: registry.contentType };
  });
}

const verdictStatus = { Unauthenticated: 401, Forbidden: 403, Unavailable: 503 } as const;

export function serveProbes(address: string, checks: { healthz: Check; readyz: Check }): Promise<Server | undefined> {
  return listen(address, async (path) => {
    const check = path === '/healthz' ? checks.healthz : path === '/readyz' ? checks.readyz : undefined;
    if (!check) return { status: 404, body: 'not found\n' };
    const result = check();
    return result.ok ? { status: 200, body: 'ok\n' } : { status: 503, body: `${result.reason}\n` };
  });
}

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly contentType?: string;
}

type Handler = (path: string, request: IncomingMessage) => Promise<Answer>;

/** A Host header as RFC 9110 has it: a name or IP literal, maybe a port. */
const hostHeader = /^(?:[A-Za-z0-9._~-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;

/** The path of an origin-form request target (`/a/b?c`), or undefined for anything else. */
export function pathOf(target: string | undefined): string | undefined {
  if (!target?.startsWith('/')) return undefined;
  const end = target.search(/[?#]/);
  return end < 0 ? target : target.slice(0, end);
}

const limits = {
  maxHeaderSize: 8 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
} as const;

async function listen(address: string, handler: Handler): Promise<Server | undefined> {
  const bind = parseBindAddress(address);
  if (!bind) return undefined;
  const server = createServer({ maxHeaderSize: limits.maxHeaderSize, requestTimeout: limits.requestTimeoutMs, headersTimeout: limits.headersTimeoutMs }, (req, res) => {
    const path = pathOf(req.url);
    const host = req.headers.host;
    const hosts = req.rawHeaders.filter((_value, i) => i % 2 === 0 && req.rawHeaders[i]?.toLowerCase() === 'host').length;
    const answer: Promise<Answer> = path === undefined ? Promise.resolve({ status: 400, body: 'bad request target\n' })
      : hosts > 1 || (host !== undefined && !hostHeader.test(host)) ? Promise.resolve({ status: 400, body: 'bad Host header\n' })
      : req.method !== 'GET' && req.method !== 'HEAD' ? Promise.resolve({ status: 405, body: 'method not allowed\n' })
        : handler(path, req).catch(() => ({ status: 500, body: 'internal error\n' }));
    void answer.then(({ status, body, contentType }) => {
      if (res.headersSent || res.destroyed) return;
      res.writeHead(status, { 'Content-Type': contentType ?? 'text/plain; charset=utf-8', ...(status === 405 ? { Allow: 'GET, HEAD' } : {}) });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
  });
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  // Malformed request lines, oversized headers, a client that hangs up: answer if the socket
  // still takes it, never throw.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large'
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(bind.port, bind.host, () => resolve());
  });
  return server;
}
