/**
 * Standard Webhooks signing (https://www.standardwebhooks.com, pure): every attempt carries
 *
 *   webhook-id:         the message id, the same for every retry of one message
 *   webhook-timestamp:  the attempt's time in unix seconds (receivers refuse stale ones)
 *   webhook-signature:  v1,<base64 of HMAC-SHA256(key, "<id>.<timestamp>.<body>")>
 *
 * The key is the Secret's `whsec_<base64>` decoded (the prefix is optional, as in the
 * reference libraries). The secret's bytes never appear in a message or a log.
 */
import { createHmac } from 'node:crypto';

/** Fewest and most key bytes accepted (the convention's recommended range). */
export const minKeyBytes = 24;
export const maxKeyBytes = 64;

export type SigningKey = { readonly ok: true; readonly key: Buffer } | { readonly ok: false; readonly message: string };

/** The HMAC key of a `whsec_…` secret, or why it is not one. */
export function parseSigningSecret(text: string): SigningKey {
  const encoded = text.trim().replace(/^whsec_/, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0) {
    return { ok: false, message: 'the signing secret is not whsec_ followed by base64' };
  }
  const key = Buffer.from(encoded, 'base64');
  if (key.length < minKeyBytes || key.length > maxKeyBytes) {
    return { ok: false, message: `the signing secret decodes to ${key.length} bytes; it must be ${minKeyBytes} to ${maxKeyBytes} (e.g. whsec_ + base64 of 32 random bytes)` };
  }
  return { ok: true, key };
}

/** The headers of one attempt; webhook-signature only with a key. */
export function webhookHeaders(messageId: string, timestampSeconds: number, body: string, key: Buffer | undefined): Record<string, string> {
  const headers: Record<string, string> = { 'webhook-id': messageId, 'webhook-timestamp': String(timestampSeconds) };
  if (key) {
    const mac = createHmac('sha256', key).update(`${messageId}.${timestampSeconds}.${body}`).digest('base64');
    headers['webhook-signature'] = `v1,${mac}`;
  }
  return headers;
}
