/**
 * Whether a signer's certificate is meant for signing. openssl verifies the chain with
 * `-purpose any` (its S/MIME purpose refuses code-signing certificates), so this is where a TLS
 * server certificate issued by the trusted CA is told apart from a signing one:
 *
 *   extended key usage   absent, or lists codeSigning, emailProtection or anyExtendedKeyUsage
 *   key usage            absent, or has digitalSignature or nonRepudiation
 *
 * Pure; reads the DER itself because Node's X509Certificate exposes the extended key usage but
 * not the key usage bits.
 */
import type { X509Certificate } from 'node:crypto';

const SIGNING_EKUS: ReadonlyMap<string, string> = new Map([
  ['1.3.6.1.5.5.7.3.3', 'codeSigning'],
  ['1.3.6.1.5.5.7.3.4', 'emailProtection'],
  ['2.5.29.37.0', 'anyExtendedKeyUsage'],
]);

const EKU_NAMES: ReadonlyMap<string, string> = new Map([
  ['1.3.6.1.5.5.7.3.1', 'serverAuth'],
  ['1.3.6.1.5.5.7.3.2', 'clientAuth'],
  ['1.3.6.1.5.5.7.3.8', 'timeStamping'],
  ['1.3.6.1.5.5.7.3.9', 'OCSPSigning'],
]);

/** DER of the keyUsage extension's OID, 2.5.29.15. */
const KEY_USAGE_OID = Buffer.from([0x55, 0x1d, 0x0f]);

/**
 * Why `cert` may not sign packages, as the end of a sentence ("has extended key usage
 * serverAuth only, not codeSigning"), or undefined when it may.
 */
export function signingUnfitness(cert: X509Certificate): string | undefined {
  const ekus = cert.keyUsage as string[] | undefined;
  if (ekus !== undefined && ekus.length > 0 && !ekus.some((oid) => SIGNING_EKUS.has(oid))) {
    return `has extended key usage ${ekus.map((oid) => EKU_NAMES.get(oid) ?? oid).join(', ')} only, not codeSigning or emailProtection; issue a signing certificate`;
  }
  const usage = keyUsageBits(cert.raw);
  if (usage === 'unreadable') return 'has a key usage extension that cannot be read';
  if (usage !== undefined && !usage.digitalSignature && !usage.nonRepudiation) {
    return 'has a key usage without digitalSignature or nonRepudiation; issue a signing certificate';
  }
  return undefined;
}

/** The signing bits of a certificate's keyUsage extension; undefined when it has none. */
export function keyUsageBits(der: Buffer): { digitalSignature: boolean; nonRepudiation: boolean } | undefined | 'unreadable' {
  try {
    const certificate = tlv(der, 0, 0x30);
    const tbs = tlv(der, certificate.start, 0x30);
    for (let at = tbs.start; at < tbs.end;) {
      const field = tlv(der, at);
      at = field.end;
      if (field.tag !== 0xa3) continue; // [3] extensions
      const extensions = tlv(der, field.start, 0x30);
      for (let e = extensions.start; e < extensions.end;) {
        const extension = tlv(der, e, 0x30);
        e = extension.end;
        const oid = tlv(der, extension.start, 0x06);
        if (!der.subarray(oid.start, oid.end).equals(KEY_USAGE_OID)) continue;
        let value = tlv(der, oid.end);
        if (value.tag === 0x01) value = tlv(der, value.end); // critical
        if (value.tag !== 0x04) throw new Error('extnValue is not an OCTET STRING');
        const bits = tlv(der, value.start, 0x03);
        const first = bits.end - bits.start >= 2 ? der[bits.start + 1]! : 0;
        return { digitalSignature: (first & 0x80) !== 0, nonRepudiation: (first & 0x40) !== 0 };
      }
      return undefined;
    }
    return undefined;
  } catch {
    return 'unreadable';
  }
}

/** One DER tag-length-value at `at`; throws when it runs past the buffer or has another tag than `expected`. */
function tlv(der: Buffer, at: number, expected?: number): { tag: number; start: number; end: number } {
  if (at + 2 > der.length) throw new Error('truncated');
  const tag = der[at]!;
  if (expected !== undefined && tag !== expected) throw new Error(`tag ${tag} where ${expected} was expected`);
  let length = der[at + 1]!;
  let start = at + 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    if (octets === 0 || octets > 3 || start + octets > der.length) throw new Error('bad length');
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + der[start + i]!;
    start += octets;
  }
  const end = start + length;
  if (end > der.length) throw new Error('truncated');
  return { tag, start, end };
}
