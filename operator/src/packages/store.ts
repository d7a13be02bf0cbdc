/**
 * Parsed packages by digest, shared by the controllers of one process: the AppPackage
 * controller parses a download once, and the AppInstance controller reads the same APPD (its
 * rules, services, inputs) without parsing again — or after a restart, re-opens the cached file.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { openCsar, type CsarPackage } from '../csar/index.js';
import { cachedFileFor } from './download.js';

export class PackageStore {
  private readonly parsed = new Map<string, Promise<CsarPackage>>();
  private readonly done = new Map<string, CsarPackage>();

  constructor(private readonly dataDir: string) {}

  get cacheDir(): string {
    return join(this.dataDir, 'packages');
  }

  /** The package with this SHA-256 (hex), parsed from `file` (default: the cached download). */
  open(sha256: string, file = cachedFileFor(this.cacheDir, sha256)): Promise<CsarPackage> {
    let parsed = this.parsed.get(sha256);
    if (!parsed) {
      parsed = (async () => {
        const scratch = join(this.dataDir, 'scratch', sha256);
        await mkdir(scratch, { recursive: true });
        const csar = await openCsar(file, scratch);
        this.done.set(sha256, csar);
        return csar;
      })();
      parsed.catch(() => this.parsed.delete(sha256));
      this.parsed.set(sha256, parsed);
    }
    return parsed;
  }

  /** The package if it was parsed already, without I/O. */
  async peek(sha256: string): Promise<CsarPackage | undefined> {
    return this.parsed.get(sha256);
  }

  /** The package if parsing it has finished, synchronously (for lookups inside pure decisions). */
  parsedNow(sha256: string): CsarPackage | undefined {
    return this.done.get(sha256);
  }
}
