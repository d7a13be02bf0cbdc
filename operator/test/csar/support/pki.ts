/** A throwaway PKI made with the openssl CLI: CAs, a signer, and detached CMS signatures. */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
let signatures = 0;

/** A certificate and its key, as files, plus the certificate's PEM. */
export interface KeyPair {
  cert: string;
  key: string;
  pem: string;
}

/** Creates a self-signed EC CA named `name` in `dir`. */
export async function makeCa(dir: string, name: string): Promise<KeyPair> {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
    '-subj', `/CN=${name}`, '-days', '2', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  return { cert, key, pem: await readFile(cert, 'utf8') };
}

/**
 * Creates a certificate named `name` issued by `ca` (a random serial, so several can be made at once): a signing one by default; `extensions`
 * replaces the key usage line, e.g. `keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth`.
 */
export async function makeSigner(dir: string, ca: KeyPair, name: string, extensions = 'keyUsage=critical,digitalSignature'): Promise<KeyPair> {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  await writeFile(ext, `basicConstraints=CA:FALSE\n${extensions}\n`);
  await run('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${name}`]);
  await run('openssl', ['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', `0x${randomBytes(8).toString('hex')}`, '-out', cert, '-days', '2', '-extfile', ext]);
  return { cert, key, pem: await readFile(cert, 'utf8') };
}

/**
 * A system trust store as openssl finds one: a directory of hashed links (what SSL_CERT_DIR
 * names) holding `cas`, made with `openssl rehash`.
 */
export async function makeTrustStore(dir: string, cas: KeyPair[]): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const [index, ca] of cas.entries()) await copyFile(ca.cert, join(dir, `ca-${index}.pem`));
  await run('openssl', ['rehash', dir]);
  return dir;
}

/** A detached CMS signature (PEM, `-----BEGIN CMS-----`) of `content` by `signer`; safe to run several at once in `dir`. */
export async function signDetached(dir: string, signer: KeyPair, content: string, binary = true): Promise<string> {
  const unique = `${process.pid}-${(signatures += 1)}`;
  const input = join(dir, `to-sign-${unique}`);
  const output = join(dir, `signature-${unique}.pem`);
  await writeFile(input, content);
  await run('openssl', ['cms', '-sign', ...(binary ? ['-binary'] : []), '-in', input, '-signer', signer.cert, '-inkey', signer.key, '-outform', 'PEM', '-out', output]);
  return readFile(output, 'utf8');
}
