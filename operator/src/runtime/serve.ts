/** The operator's HTTP endpoints: /metrics on one address, /healthz and /readyz on another. */
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

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

export function serveMetrics(address: string, registry: Registry): Promise<Server | undefined> {
  return listen(address, async (path) => {
    if (path !== '/metrics') return { status: 404, body: 'not found\n' };
    return { status: 200, body: await registry.metrics(), contentType: registry.contentType };
  });
}

export function serveProbes(address: string, checks: { healthz: Check; readyz: Check }): Promise<Server | undefined> {
  return listen(address, async (path) => {
    const check = path === '/healthz' ? checks.healthz : path === '/readyz' ? checks.readyz : undefined;
    if (!check) return { status: 404, body: 'not found\n' };
    const result = check();
    return result.ok ? { status: 200, body: 'ok\n' } : { status: 503, body: `${result.reason}\n` };
  });
}

type Handler = (path: string) => Promise<{ status: number; body: string; contentType?: string }>;

async function listen(address: string, handler: Handler): Promise<Server | undefined> {
  const bind = parseBindAddress(address);
  if (!bind) return undefined;
  const server = createServer((req, res) => {
    handler(new URL(req.url ?? '/', 'http://x').pathname).then(
      ({ status, body, contentType }) => res.writeHead(status, { 'Content-Type': contentType ?? 'text/plain' }).end(body),
      () => res.writeHead(500).end('internal error\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(bind.port, bind.host, () => resolve());
  });
  return server;
}
