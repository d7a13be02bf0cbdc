/**
 * A local webhook receiver for the subscription suites: an HTTP server on a loopback address
 * that records every POST (headers, parsed body, whether its Standard Webhooks signature
 * verifies with the independent verifier) and answers as each path is told to: accept, fail the
 * next N, or always fail.
 *
 *   const receiver = await WebhookReceiver.start('127.0.0.1');
 *   receiver.behave('/s/one', { failNext: 3 });      // 503 three times, then 204
 *   receiver.url('/s/one')  → http://127.0.0.1:<port>/s/one
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyStandardWebhook } from './subscription-fixtures.js';

export interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Record<string, unknown>;
  readonly raw: string;
  /** The answer it got. */
  readonly status: number;
  /** Whether the signature verified against the path's secret (undefined: no secret set). */
  readonly verified?: boolean;
}

export interface Behaviour {
  /** Answer 503 to this many requests, then accept. */
  failNext?: number;
  /** Answer this status to every request (a callback that keeps failing). */
  always?: number;
  /** The whsec_ secret notifications to this path are signed with. */
  secret?: string;
}

export class WebhookReceiver {
  readonly received: Received[] = [];
  private readonly behaviours = new Map<string, Behaviour>();

  private constructor(private readonly server: Server, readonly host: string, readonly port: number) {}

  static async start(host: string): Promise<WebhookReceiver> {
    let receiver: WebhookReceiver | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const path = (req.url ?? '').split('?')[0] ?? '';
        const status = receiver!.answer(path);
        const behaviour = receiver!.behaviours.get(path);
        const verified = behaviour?.secret ? verifyStandardWebhook(behaviour.secret, req.headers as Record<string, string>, raw, Math.floor(Date.now() / 1000)) : undefined;
        let body: Record<string, unknown> = {};
        try {
          body = JSON.parse(raw) as Record<string, unknown>;
        } catch {
          body = { unparsable: raw.slice(0, 200) };
        }
        receiver!.received.push({ path, headers: req.headers, body, raw, status, ...(verified === undefined ? {} : { verified }) });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    receiver = new WebhookReceiver(server, host, (server.address() as AddressInfo).port);
    return receiver;
  }

  url(path: string): string {
    return `http://${this.host}:${this.port}${path}`;
  }

  behave(path: string, behaviour: Behaviour): void {
    this.behaviours.set(path, { ...this.behaviours.get(path), ...behaviour });
  }

  /** What `path` received, in order. */
  at(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  /** What `path` accepted, in order. */
  accepted(path: string): Received[] {
    return this.at(path).filter((r) => r.status < 300);
  }

  private answer(path: string): number {
    const behaviour = this.behaviours.get(path);
    if (behaviour?.always) return behaviour.always;
    if (behaviour?.failNext) {
      behaviour.failNext -= 1;
      return 503;
    }
    return 204;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
