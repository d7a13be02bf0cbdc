import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** PEM files of a certificate authority kept in a folder. */
export interface CertificateAuthority {
  readonly certFile: string;
  readonly keyFile: string;
}

/** PEM files of a key pair with its certificate. */
export interface KeyPair {
  readonly certFile: string;
  readonly keyFile: string;
}

export interface CertificateRequest {
  readonly commonName: string;
  readonly organizations?: readonly string[];
  /** Subject alternative names such as `IP:127.0.0.1` or `DNS:localhost`. */
  readonly altNames?: readonly string[];
  readonly usage: 'server' | 'client';
  readonly days?: number;
}

// EC P-256 keys: generated in milliseconds, accepted by every Kubernetes component.
const keyArgs = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** Creates a self-signed CA in `dir` with the openssl command-line tool. */
export async function createCertificateAuthority(dir: string, commonName: string): Promise<CertificateAuthority> {
  await mkdir(dir, { recursive: true });
  const ca = { certFile: join(dir, 'ca.crt'), keyFile: join(dir, 'ca.key') };
  await run('openssl', ['req', '-x509', ...keyArgs, '-keyout', ca.keyFile, '-out', ca.certFile,
    '-days', '3650', '-subj', `/CN=${commonName}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  return ca;
}

/** Issues a certificate signed by `ca`, writing `<name>.crt` and `<name>.key` into `dir`. */
export async function issueCertificate(
  ca: CertificateAuthority, dir: string, name: string, request: CertificateRequest,
): Promise<KeyPair> {
  const pair = { certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) };
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  const subject = [
    ...(request.organizations ?? []).map((o) => `/O=${o}`),
    `/CN=${request.commonName}`,
  ].join('');
  const extensions = [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    `extendedKeyUsage=${request.usage === 'server' ? 'serverAuth' : 'clientAuth'}`,
    ...(request.altNames?.length ? [`subjectAltName=${request.altNames.join(',')}`] : []),
  ];
  await writeFile(ext, extensions.join('\n') + '\n');
  await run('openssl', ['req', '-new', ...keyArgs, '-keyout', pair.keyFile, '-out', csr, '-subj', subject]);
  await run('openssl', ['x509', '-req', '-in', csr, '-CA', ca.certFile, '-CAkey', ca.keyFile,
    // A random serial of its own: a shared serial file (-CAcreateserial) breaks when certificates are issued at once.
    '-set_serial', `0x${serialNumber()}`, '-out', pair.certFile, '-days', String(request.days ?? 3650), '-extfile', ext]);
  return pair;
}

/** 16 random bytes as hex, the top bit clear so the serial is positive. */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0]! &= 0x7f;
  return bytes.toString('hex');
}

/** Creates the key pair kube-apiserver signs service-account tokens with. */
export async function createServiceAccountKey(dir: string): Promise<{ privateKeyFile: string; publicKeyFile: string }> {
  const privateKeyFile = join(dir, 'sa.key');
  const publicKeyFile = join(dir, 'sa.pub');
  await run('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', privateKeyFile]);
  await run('openssl', ['pkey', '-in', privateKeyFile, '-pubout', '-out', publicKeyFile]);
  return { privateKeyFile, publicKeyFile };
}

export async function readPem(file: string): Promise<string> {
  return readFile(file, 'utf8');
}
