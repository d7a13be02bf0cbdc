/**
 * The two things a delivery does on the network, and nothing else: resolve the callback's host,
 * and POST one notification to an address allowlist.ts accepted. The request goes to that
 * address (the URL's host only in the Host header and TLS SNI, so certificates are still
 * checked against the name); redirects are not followed; at most `maxResponseBytes` of the
 * answer are read and none of it is kept; every step has a deadline.
 */
import { lookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { DeliveryFailure } from '../../api/notificationsubscription.js';
import { errorMessage } from '../../runtime/logger.js';
import type { ResolvedAddress } from './allowlist.js';

/** How much of an answer is read before the connection is dropped. */
export const maxResponseBytes = 4096;

export type Attempt =
  | { readonly kind: 'Delivered'; readonly httpStatus: number }
  | { readonly kind: 'Failed'; readonly reason: DeliveryFailure['reason']; readonly message: string; readonly httpStatus?: number };

/** The addresses of `hostname` (itself when it is an address), as the system resolver gives them. */
export async function resolveHost(hostname: string, timeoutMs: number): Promise<ResolvedAddress[]> {
  const family = isIP(hostname);
  if (family === 4 || family === 6) return [{ address: hostname, family }];
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`resolving ${hostname} took longer than ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const answers = await Promise.race([lookup(hostname, { all: true, verbatim: true }), deadline]);
    return answers.filter((a) => a.family === 4 || a.family === 6).map((a) => ({ address: a.address, family: a.family as 4 | 6 }));
  } finally {
    clearTimeout(timer);
  }
}

export interface PostTarget {
  readonly url: URL;
  readonly hostname: string;
  readonly address: ResolvedAddress;
}

/** POSTs `body` once; never throws for what the callback does (only a caller's abort rejects). */
export function postNotification(target: PostTarget, body: string, headers: Record<string, string>, options: { readonly timeoutMs: number; readonly signal: AbortSignal }): Promise<Attempt> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = AbortSignal.any([options.signal, timeout]);
  const { url, hostname, address } = target;
  const https = url.protocol === 'https:';
  const send = https ? httpsRequest : httpRequest;
  return new Promise<Attempt>((resolve, reject) => {
    const fail = (error: unknown) => {
      if (options.signal.aborted) return reject(options.signal.reason instanceof Error ? options.signal.reason : new Error('aborted'));
      if (timeout.aborted) return resolve({ kind: 'Failed', reason: 'CallbackTimedOut', message: `no answer within ${options.timeoutMs} ms` });
      resolve({ kind: 'Failed', reason: 'CallbackUnreachable', message: errorMessage(error).slice(0, 512) });
    };
    const req = send({
      host: address.address, family: address.family, port: url.port || (https ? 443 : 80), path: `${url.pathname}${url.search}`, method: 'POST',
      headers: {
        ...headers, host: url.host, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'mecm-operator',
      },
      agent: false, signal,
      ...(https && isIP(hostname) === 0 ? { servername: hostname } : {}),
    }, (response: IncomingMessage) => {
      const status = response.statusCode ?? 0;
      let read = 0;
      const settle = () => {
        response.destroy();
        if (status >= 200 && status < 300) return resolve({ kind: 'Delivered', httpStatus: status });
        const what = status >= 300 && status < 400 ? 'a redirect, which is not followed' : 'not a 2xx';
        resolve({ kind: 'Failed', reason: 'CallbackRefused', message: `the callback answered HTTP ${status} (${what})`, httpStatus: status });
      };
      response.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > maxResponseBytes) settle();
      });
      response.on('end', settle);
      response.on('error', fail);
    });
    req.on('error', fail);
    req.end(body);
  });
}
