/**
 * An EdgeGallery appstore as far as the operator uses it: the app list, package details and
 * the package download at the appstore's real paths, with the `access_token` header check,
 * HTTP Range support (so interrupted downloads can resume) and fault knobs for tests. Besides
 * the store's own token, other accounts may be granted some apps only (`grant`): such a token
 * is refused (403) the packages of every other app, as a tenant's own appstore login would be.
 *
 *   GET /mec/appstore/v1/apps
 *   GET /mec/appstore/v1/apps/{appId}/packages/{packageId}
 *   GET /mec/appstore/v1/apps/{appId}/packages/{packageId}/action/download?isDownloadImage=false
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';

export interface StoredPackage {
  readonly appId: string;
  readonly packageId: string;
  readonly name: string;
  readonly version: string;
  readonly provider: string;
  readonly file: Buffer;
}

export interface AppstoreOptions {
  /** When set, every request must carry this `access_token` header. */
  readonly token?: string;
}

export class AppstoreSimulator {
  private readonly packages = new Map<string, StoredPackage>();
  /** Tokens of accounts that may read only some apps, with those appIds. */
  private readonly grants = new Map<string, readonly string[]>();
  private failures: Array<number> = [];
  private truncateNextAt: number | undefined;
  /** Download requests received, with the Range header each carried. */
  readonly downloads: Array<{ packageId: string; range: string | undefined }> = [];

  private constructor(private readonly server: Server, readonly url: string, private readonly options: AppstoreOptions) {}

  static async start(options: AppstoreOptions = {}): Promise<AppstoreSimulator> {
    let simulator: AppstoreSimulator | undefined;
    const server = createServer((req, res) => simulator!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    simulator = new AppstoreSimulator(server, `http://127.0.0.1:${port}`, options);
    return simulator;
  }

  async addPackage(input: Omit<StoredPackage, 'file'> & { file: Buffer | string }): Promise<void> {
    const file = typeof input.file === 'string' ? await readFile(input.file) : input.file;
    this.packages.set(`${input.appId}/${input.packageId}`, { ...input, file });
  }

  /** An account: requests with `token` may list, read and download the packages of `appIds` only (403 for others). */
  grant(token: string, appIds: readonly string[]): void {
    this.grants.set(token, [...appIds]);
  }

  /** The next `count` requests fail with `status`. */
  failNext(count: number, status = 503): void {
    this.failures = Array.from({ length: count }, () => status);
  }

  /** The next download stops (connection destroyed) after `bytes` bytes of the body. */
  truncateNextDownload(bytes: number): void {
    this.truncateNextAt = bytes;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    const failure = this.failures.shift();
    if (failure) return json(res, failure, { message: 'injected failure' });
    const token = req.headers.access_token;
    const granted = typeof token === 'string' ? this.grants.get(token) : undefined;
    if (this.options.token && token !== this.options.token && !granted) {
      return json(res, 401, { message: 'access token invalid' });
    }
    const parts = url.pathname.split('/').filter(Boolean);
    // mec/appstore/v1/apps[/appId/packages/packageId[/action/download]]
    if (parts.slice(0, 4).join('/') !== 'mec/appstore/v1/apps' || req.method !== 'GET') return json(res, 404, { message: 'not found' });
    const visible = [...this.packages.values()].filter((p) => !granted || granted.includes(p.appId));
    if (parts.length === 4) {
      const apps = [...new Map(visible.map((p) => [p.appId, { appId: p.appId, name: p.name, provider: p.provider }])).values()];
      return json(res, 200, apps);
    }
    const pkg = this.packages.get(`${parts[4]}/${parts[6]}`);
    if (!pkg || parts[5] !== 'packages' || parts.length < 7) return json(res, 404, { message: 'package not found' });
    if (!visible.includes(pkg)) return json(res, 403, { message: 'no access to this app' });
    if (parts.length === 7) {
      return json(res, 200, { appId: pkg.appId, packageId: pkg.packageId, name: pkg.name, version: pkg.version, provider: pkg.provider, size: String(pkg.file.length) });
    }
    if (parts.slice(7).join('/') !== 'action/download') return json(res, 404, { message: 'not found' });
    this.download(req, res, pkg);
  }

  private download(req: IncomingMessage, res: ServerResponse, pkg: StoredPackage): void {
    const range = req.headers.range;
    this.downloads.push({ packageId: pkg.packageId, range });
    let start = 0;
    const match = range ? /^bytes=(\d+)-$/.exec(range) : null;
    if (match) start = Number(match[1]);
    if (start >= pkg.file.length && start > 0) {
      res.writeHead(416, { 'Content-Range': `bytes */${pkg.file.length}` }).end();
      return;
    }
    const body = pkg.file.subarray(start);
    res.writeHead(match ? 206 : 200, {
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(body.length),
      'Content-Disposition': `attachment; filename="${pkg.name}.csar"`,
      'Accept-Ranges': 'bytes',
      ...(match ? { 'Content-Range': `bytes ${start}-${pkg.file.length - 1}/${pkg.file.length}` } : {}),
    });
    const cut = this.truncateNextAt;
    this.truncateNextAt = undefined;
    if (cut !== undefined && cut < body.length) {
      // End the connection with a FIN (not a reset), so what was sent arrives, then nothing more.
      res.write(body.subarray(0, cut), () => res.socket?.end());
      return;
    }
    res.end(body);
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}
