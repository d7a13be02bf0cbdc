/**
 * One MepClient (one keep-alive agent) per EdgeHost, rebuilt — the old one closed — when the
 * host's MEP URL, token or CA change, so a rotated token is used at once.
 */
import { createHash } from 'node:crypto';
import { MepClient } from '../../mep/client.js';

export interface MepTarget {
  readonly url: string;
  readonly token: string | undefined;
  readonly caPem: string | undefined;
}

export class MepClients {
  private readonly clients = new Map<string, { key: string; client: MepClient }>();

  constructor(private readonly requestTimeoutMs: number) {}

  /** The client of `hostName`'s MEP as `target` describes it. Throws when the URL is not http(s). */
  client(hostName: string, target: MepTarget): MepClient {
    const key = createHash('sha256').update(JSON.stringify([target.url, target.token ?? '', target.caPem ?? ''])).digest('hex');
    const cached = this.clients.get(hostName);
    if (cached?.key === key) return cached.client;
    cached?.client.close();
    const client = new MepClient({ url: target.url, token: target.token, caPem: target.caPem, timeoutMs: this.requestTimeoutMs });
    this.clients.set(hostName, { key, client });
    return client;
  }
}
