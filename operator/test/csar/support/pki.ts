/** A throwaway PKI made with the openssl CLI: CAs, a signer, and detached CMS signatures. */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

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

/** Creates a signing certificate named `name` issued by `ca`. */
export async function makeSigner(dir: string, ca: KeyPair, name: string): Promise<KeyPair> {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  await writeFile(ext, 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n');
  await run('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${name}`]);
  await run('openssl', ['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-out', cert, '-days', '2', '-extfile', ext]);
  return { cert, key, pem: await readFile(cert, 'utf8') };
}

/** A detached CMS signature (PEM, `-----BEGIN CMS-----`) of `content` by `signer`. */
export async function signDetached(dir: string, signer: KeyPair, content: string, binary = true): Promise<string> {
  const input = join(dir, 'to-sign');
  const output = join(dir, 'signature.pem');
  await writeFile(input, content);
  await run('openssl', ['cms', '-sign', ...(binary ? ['-binary'] : []), '-in', input, '-signer', signer.cert, '-inkey', signer.key, '-outform', 'PEM', '-out', output]);
  return readFile(output, 'utf8');
}
