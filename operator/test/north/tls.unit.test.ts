/**
 * North over TLS from certificate files (the chart mounts them from a Secret): a client that
 * trusts the CA gets answers, a plain-HTTP client does not.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveNorth, type RunningNorth } from '../../src/north/server.js';
import { fixedDeps } from './support/fixed-deps.js';

function get(url: string, ca: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { ca, servername: 'localhost' }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject).end();
  });
}

describe('North TLS', () => {
  let dir: string;
  let north: RunningNorth;

  before(async function () {
    this.timeout(20_000);
    dir = mkdtempSync(join(tmpdir(), 'north-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', join(dir, 'tls.key'), '-out', join(dir, 'tls.crt')], { stdio: 'ignore' });
    north = await serveNorth(fixedDeps({ tenants: [], hosts: [], packages: [], instances: [] }), { host: '127.0.0.1', port: 0 },
      { certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') });
  });

  after(async () => {
    await north?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves https with the mounted certificate', async () => {
    assert.match(north.url, /^https:/);
    const answer = await get(`${north.url}/lcmcontroller/v1/health`, readFileSync(join(dir, 'tls.crt')));
    assert.deepEqual(answer, { status: 200, body: 'ok' });
  });

  it('does not speak plain HTTP on the TLS port', async () => {
    await assert.rejects(fetch(`${north.url.replace('https:', 'http:')}/lcmcontroller/v1/health`));
  });
});
