/**
 * Parsed packages by digest, shared by the controllers of one process: the AppPackage
 * controller parses a download once, and the AppInstance controller reads the same APPD (its
 * rules, services, inputs) without parsing again — or after a restart, re-opens the cached file.
 *
 * The cache is bounded: past `maxCacheBytes`, downloads that no AppPackage refers to any more
 * are evicted, least recently used first. Scratch space (unpacked charts) is made anew by
 * each process: what a previous one left is removed before the first package is opened.
 */
import { mkdir, readdir, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { openCsar, type CsarPackage } from '../csar/index.js';
import { cachedFileFor } from './download.js';

export interface PackageStoreOptions {
  /** Most bytes of downloads kept; unset: no limit. */
  readonly maxCacheBytes?: number;
}

export class PackageStore {
  private readonly parsed = new Map<string, Promise<CsarPackage>>();
  private readonly done = new Map<string, CsarPackage>();
  private scratchCleaned: Promise<void> | undefined;

  constructor(private readonly dataDir: string, private readonly options: PackageStoreOptions = {}) {}

  get cacheDir(): string {
    return join(this.dataDir, 'packages');
  }

  private get scratchDir(): string {
    return join(this.dataDir, 'scratch');
  }

  /** The package with this SHA-256 (hex), parsed from `file` (default: the cached download). */
  open(sha256: string, file = cachedFileFor(this.cacheDir, sha256)): Promise<CsarPackage> {
    let parsed = this.parsed.get(sha256);
    if (!parsed) {
      parsed = (async () => {
        this.scratchCleaned ??= rm(this.scratchDir, { recursive: true, force: true });
        await this.scratchCleaned;
        const scratch = join(this.scratchDir, sha256);
        await mkdir(scratch, { recursive: true });
        const csar = await openCsar(file, scratch);
        // A use, for the least-recently-used order of eviction.
        const now = new Date();
        await utimes(file, now, now).catch(() => undefined);
        this.done.set(sha256, csar);
        return csar;
      })();
      parsed.catch(() => this.parsed.delete(sha256));
      this.parsed.set(sha256, parsed);
    }
    return parsed;
  }

  /** The package if parsing it has finished, synchronously (for lookups inside pure decisions). */
  parsedNow(sha256: string): CsarPackage | undefined {
    return this.done.get(sha256);
  }

  /**
   * Evicts downloads not in `inUse` (SHA-256 hex), oldest use first, until the cache holds at
   * most maxCacheBytes. Downloads in use are never evicted: the cap bounds what nothing needs;
   * nor are those used in the last `recentMs` (a status that names them may not have reached
   * the caller's cache yet). Returns the digests evicted.
   */
  async evict(inUse: ReadonlySet<string>, recentMs = 10 * 60_000): Promise<string[]> {
    const max = this.options.maxCacheBytes;
    if (max === undefined) return [];
    const names = await readdir(this.cacheDir).catch(() => [] as string[]);
    const files = (await Promise.all(names.filter((n) => /^[a-f0-9]{64}\.csar$/.test(n)).map(async (name) => {
      const info = await stat(join(this.cacheDir, name)).catch(() => undefined);
      return info ? { sha256: name.slice(0, 64), size: info.size, usedMs: info.mtimeMs } : undefined;
    }))).filter((f) => f !== undefined);
    let total = files.reduce((sum, f) => sum + f.size, 0);
    const evicted: string[] = [];
    for (const file of files.sort((a, b) => a.usedMs - b.usedMs)) {
      if (total <= max) break;
      if (inUse.has(file.sha256) || Date.now() - file.usedMs < recentMs) continue;
      await rm(cachedFileFor(this.cacheDir, file.sha256), { force: true });
      await rm(join(this.scratchDir, file.sha256), { recursive: true, force: true });
      this.parsed.delete(file.sha256);
      this.done.delete(file.sha256);
      total -= file.size;
      evicted.push(file.sha256);
    }
    return evicted;
  }
}
