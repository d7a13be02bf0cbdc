/**
 * A loopback TCP proxy that tests put between a client and an API server to play network
 * faults the server itself cannot: cut every connection, refuse new ones, or hold them open
 * and forward nothing (a silent stream). TLS passes through untouched.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export type ProxyMode = 'forward' | 'refuse' | 'blackhole';

export class TcpProxy {
  private server: Server | undefined;
  private readonly clients = new Set<Socket>();
  private readonly upstreams = new Set<Socket>();
  private mode: ProxyMode = 'forward';
  /** Connections accepted since start. */
  accepted = 0;

  constructor(private readonly targetPort: number, private readonly targetHost = '127.0.0.1') {}

  async start(): Promise<number> {
    const server = createServer((client) => this.onConnection(client));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('proxy has no port');
    return address.port;
  }

  /** Client-side connections currently open through the proxy. */
  get activeConnections(): number {
    return this.clients.size;
  }

  setMode(mode: ProxyMode): void {
    this.mode = mode;
  }

  /** Destroys every open connection (both sides), as a network reset would. */
  cutAll(): void {
    for (const socket of [...this.clients, ...this.upstreams]) socket.destroy();
  }

  async stop(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private onConnection(client: Socket): void {
    this.accepted += 1;
    if (this.mode === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    track(this.clients, client);
    if (this.mode === 'blackhole') return;
    const upstream = createConnection({ port: this.targetPort, host: this.targetHost });
    track(this.upstreams, upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', close);
    upstream.on('close', close);
    client.on('error', close);
    upstream.on('error', close);
  }

}

function track(set: Set<Socket>, socket: Socket): void {
  set.add(socket);
  socket.on('close', () => set.delete(socket));
}
