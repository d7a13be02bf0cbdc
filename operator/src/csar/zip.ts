/**
 * A zip archive opened for reading with every entry vetted up front: names, types and declared
 * sizes of all entries are checked before a single byte is inflated, and reads are metered
 * again as they inflate. Nothing here writes anywhere but a file name the caller chose inside
 * a directory the caller owns.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { checkEntryPath, decodeZipEntryName, zipEntryFileType } from './entry-name.js';
import { CsarError, quote } from './errors.js';
import type { CsarLimits } from './limits.js';
import { Meter, type InflateBudget } from './meter.js';

/** A regular file of the archive. */
export interface ZipFileEntry {
  /** Normalised path inside the archive. */
  path: string;
  compressedSize: number;
  uncompressedSize: number;
  raw: yauzl.Entry;
}

/** How an archive is opened. */
export interface ZipOpenOptions {
  /** Display path of the archive inside the package ('' for the package itself). */
  label: string;
  /** 0 for the package, 1 for a zip inside it, … */
  depth: number;
  limits: CsarLimits;
  budget: InflateBudget;
}

/** Bounds of one read into memory. */
export interface ReadOptions {
  maxBytes: number;
  tooLarge: () => CsarError;
}

/** A vetted zip archive; close() it when done. */
export class ZipArchive {
  private readonly digests = new Map<string, string>();

  private constructor(
    private readonly zip: yauzl.ZipFile,
    private readonly options: ZipOpenOptions,
    /** Regular files by normalised path. Directories are left out. */
    readonly files: ReadonlyMap<string, ZipFileEntry>,
    /** Directory entries by normalised path (no trailing slash). */
    readonly directories: ReadonlySet<string>,
  ) {}

  /**
   * Opens `file` and vets every entry; throws CsarError (ZipEmpty, ZipInvalid, TooManyEntries,
   * NameEncodingInvalid, UnsafePath, SymlinkEntry, SpecialFileEntry, DuplicateEntry, ZipBomb).
   */
  static async open(file: string, options: ZipOpenOptions): Promise<ZipArchive> {
    const where = options.label === '' ? 'the package' : quote(options.label);
    const { size } = await stat(file);
    if (size === 0) throw new CsarError('ZipEmpty', `${where} is an empty file: the download or the packaging failed; upload the package again`);
    let zip: yauzl.ZipFile;
    try {
      zip = await yauzl.openPromise(file, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true, strictFileNames: true });
    } catch (err) {
      throw new CsarError('ZipInvalid', `${where} is not a readable zip archive (${errorText(err)}); it may be truncated or not a CSAR at all`, { cause: err });
    }
    // yauzl re-emits file reader errors on the ZipFile; reads report them through their streams,
    // so this listener only keeps a late one from crashing the process as an unhandled 'error'.
    zip.on('error', () => undefined);
    try {
      const { files, directories } = await vetEntries(zip, where, options);
      return new ZipArchive(zip, options, files, directories);
    } catch (err) {
      zip.close();
      throw err;
    }
  }

  /**
   * The one top-level folder every entry of this archive is in (`app`, for a package zipped as
   * a folder), or undefined when entries sit at the top or in several folders.
   */
  soleFolder(): string | undefined {
    const tops = new Set<string>();
    for (const path of this.files.keys()) {
      const slash = path.indexOf('/');
      if (slash < 0) return undefined;
      tops.add(path.slice(0, slash));
    }
    for (const path of this.directories) tops.add(path.split('/')[0]!);
    return tops.size === 1 && this.files.size > 0 ? [...tops][0] : undefined;
  }

  /**
   * This archive seen from inside `folder` (from soleFolder): the same open file and reads, with
   * every path relative to the folder. Close the archive it came from, not the view. Throws
   * CsarError('UnsafePath') when a path is unsafe once the folder is taken off (`app/C:x`).
   */
  within(folder: string): ZipArchive {
    const prefix = `${folder}/`;
    const files = new Map<string, ZipFileEntry>();
    for (const [path, entry] of this.files) {
      if (!path.startsWith(prefix)) continue;
      const inner = path.slice(prefix.length);
      const checked = checkEntryPath(inner);
      if (!checked.ok) throw new CsarError('UnsafePath', `entry ${quote(path)} of the package is unsafe as ${quote(inner)} in the package's folder: ${checked.why}; nothing was extracted`);
      files.set(inner, { ...entry, path: inner });
    }
    const directories = new Set([...this.directories].filter((path) => path.startsWith(prefix)).map((path) => path.slice(prefix.length)));
    return new ZipArchive(this.zip, this.options, files, directories);
  }

  /** Display path of an entry of this archive, e.g. `APPD/APPD.zip!Definition/x.yaml`. */
  display(path: string): string {
    return this.options.label === '' ? path : `${this.options.label}!${path}`;
  }

  get depth(): number {
    return this.options.depth;
  }

  /** Reads a file into memory, bounded by `read.maxBytes`; also records its SHA-256. */
  async read(path: string, read: ReadOptions): Promise<Buffer> {
    const entry = this.entry(path);
    if (entry.uncompressedSize > read.maxBytes) throw read.tooLarge();
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk);
        callback();
      },
    });
    await this.pump(entry, read, sink);
    return Buffer.concat(chunks);
  }

  /**
   * Copies a file to `fileName` in `dir` (created exclusively: never overwrites, never follows a
   * planted symlink); returns its hex SHA-256. `fileName` must be a plain name the caller made.
   */
  async extract(path: string, dir: string, fileName: string): Promise<{ file: string; sha256: string }> {
    const target = resolve(dir, fileName);
    const rel = relative(resolve(dir), target);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel) || rel.includes('/')) {
      throw new Error(`refusing to extract to ${target}: not a plain file name in ${dir}`); // a caller bug, not hostile input
    }
    const entry = this.entry(path);
    const sha256 = await this.pump(entry, undefined, createWriteStream(target, { flags: 'wx', mode: 0o600 }));
    return { file: target, sha256 };
  }

  /** Hex digest of a file with a node:crypto algorithm name (sha256, sha384, sha512); SHA-256 is reused from earlier reads. */
  async digest(path: string, algorithm: 'sha256' | 'sha384' | 'sha512'): Promise<string> {
    const cached = this.digests.get(path);
    if (algorithm === 'sha256' && cached !== undefined) return cached;
    const entry = this.entry(path);
    const hash = createHash(algorithm);
    const sha256 = await this.pump(entry, undefined, new Writable({
      write(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        callback();
      },
    }));
    return algorithm === 'sha256' ? sha256 : hash.digest('hex');
  }

  /** Releases the file descriptor. */
  close(): void {
    this.zip.close();
  }

  private entry(path: string): ZipFileEntry {
    const entry = this.files.get(path);
    if (entry === undefined) throw new Error(`no entry ${path} in ${this.display('')}`); // callers look up first
    return entry;
  }

  /** Streams one entry through a Meter into `sink`; returns the entry's hex SHA-256. */
  private async pump(entry: ZipFileEntry, read: ReadOptions | undefined, sink: Writable): Promise<string> {
    const what = quote(this.display(entry.path));
    const { limits, budget } = this.options;
    if (entry.raw.isEncrypted()) {
      throw new CsarError('EncryptedEntry', `${what} is encrypted; packages must not contain encrypted entries: rebuild it without a password`);
    }
    if (entry.raw.compressionMethod !== 0 && entry.raw.compressionMethod !== 8) {
      throw new CsarError('UnsupportedCompression',
        `${what} uses zip compression method ${entry.raw.compressionMethod}; only stored (0) and deflate (8) are supported: rebuild the package with deflate`);
    }
    const entryTooLarge = () => new CsarError('ZipBomb',
      `${what} inflates to more than ${limits.maxEntryBytes} bytes (limit maxEntryBytes); refused as a decompression bomb`);
    const meter = new Meter({
      what, limits, budget,
      maxBytes: Math.min(read?.maxBytes ?? Infinity, limits.maxEntryBytes),
      tooLarge: read !== undefined && read.maxBytes < limits.maxEntryBytes ? read.tooLarge : entryTooLarge,
      ...(entry.raw.compressionMethod === 8 ? { compressedSize: entry.compressedSize } : {}),
      expectedCrc32: entry.raw.crc32,
    });
    let stream: Readable;
    try {
      stream = await this.zip.openReadStreamPromise(entry.raw);
    } catch (err) {
      throw new CsarError('ZipInvalid', `${what} cannot be read (${errorText(err)}); the package is corrupt: download or rebuild it`, { cause: err });
    }
    try {
      await pipeline(stream, meter, sink);
    } catch (err) {
      throw readFailure(err, what);
    }
    this.digests.set(entry.path, meter.sha256);
    return meter.sha256;
  }
}

/** Reads the central directory entry by entry, refusing the archive at the first hostile one. */
async function vetEntries(zip: yauzl.ZipFile, where: string, options: ZipOpenOptions): Promise<{ files: Map<string, ZipFileEntry>; directories: Set<string> }> {
  const { limits } = options;
  if (zip.entryCount > limits.maxEntries) {
    throw new CsarError('TooManyEntries', `${where} has ${zip.entryCount} entries, more than the limit of ${limits.maxEntries} (maxEntries)`);
  }
  const files = new Map<string, ZipFileEntry>();
  const directories = new Set<string>();
  const seen = new Set<string>();
  let declaredTotal = 0;
  for (let index = 0; ; index++) {
    const entry = await nextEntry(zip, where);
    if (entry === undefined) break;
    const name = decodeZipEntryName(entry.fileNameRaw, entry.generalPurposeBitFlag, entry.extraFields);
    if (name === undefined) {
      throw new CsarError('NameEncodingInvalid',
        `entry #${index + 1} of ${where} has a name that is not valid UTF-8 (bytes ${entry.fileNameRaw.subarray(0, 32).toString('hex')}); rebuild the package with a tool that writes UTF-8 names`);
    }
    const checked = checkEntryPath(name);
    if (!checked.ok) throw new CsarError('UnsafePath', `entry ${quote(name)} of ${where} is unsafe: ${checked.why}; nothing was extracted`);
    const type = zipEntryFileType(entry.externalFileAttributes);
    if (type === 'symlink') {
      throw new CsarError('SymlinkEntry', `entry ${quote(name)} of ${where} is a symbolic link; packages must contain regular files only`);
    }
    if (type === 'special') {
      throw new CsarError('SpecialFileEntry', `entry ${quote(name)} of ${where} is a device, FIFO or socket; packages must contain regular files only`);
    }
    const key = (checked.isDirectory || type === 'directory' ? 'dir:' : 'file:') + checked.path;
    if (seen.has(key)) {
      throw new CsarError('DuplicateEntry', `${where} holds ${quote(checked.path)} more than once; tools disagree on which copy wins, so rebuild the package with one`);
    }
    seen.add(key);
    if (checked.isDirectory || type === 'directory') {
      directories.add(checked.path);
      continue;
    }
    checkDeclaredSize(entry, checked.path, where, limits);
    declaredTotal += entry.uncompressedSize;
    if (declaredTotal > limits.maxTotalUncompressedBytes) {
      throw new CsarError('ZipBomb',
        `${where} declares more than ${limits.maxTotalUncompressedBytes} bytes uncompressed in total (limit maxTotalUncompressedBytes); refused as a decompression bomb`);
    }
    files.set(checked.path, { path: checked.path, compressedSize: entry.compressedSize, uncompressedSize: entry.uncompressedSize, raw: entry });
  }
  return { files, directories };
}

function checkDeclaredSize(entry: yauzl.Entry, path: string, where: string, limits: CsarLimits): void {
  if (entry.uncompressedSize > limits.maxEntryBytes) {
    throw new CsarError('ZipBomb',
      `entry ${quote(path)} of ${where} declares ${entry.uncompressedSize} bytes uncompressed, more than ${limits.maxEntryBytes} (limit maxEntryBytes)`);
  }
  if (entry.compressionMethod === 8 && entry.uncompressedSize >= limits.ratioCheckMinBytes
    && entry.uncompressedSize > Math.max(entry.compressedSize, 1) * limits.maxCompressionRatio) {
    throw new CsarError('ZipBomb',
      `entry ${quote(path)} of ${where} inflates ${Math.round(entry.uncompressedSize / Math.max(entry.compressedSize, 1))} times its compressed size (limit maxCompressionRatio ${limits.maxCompressionRatio}); refused as a decompression bomb`);
  }
}

/** The next central-directory entry, or undefined at the end. */
function nextEntry(zip: yauzl.ZipFile, where: string): Promise<yauzl.Entry | undefined> {
  return new Promise((resolvePromise, reject) => {
    const done = () => {
      zip.off('entry', onEntry);
      zip.off('end', onEnd);
      zip.off('error', onError);
    };
    const onEntry = (entry: yauzl.Entry) => { done(); resolvePromise(entry); };
    const onEnd = () => { done(); resolvePromise(undefined); };
    const onError = (err: Error) => {
      done();
      reject(new CsarError('ZipInvalid', `the central directory of ${where} is corrupt (${err.message}); download or rebuild the package`, { cause: err }));
    };
    zip.on('entry', onEntry);
    zip.on('end', onEnd);
    zip.on('error', onError);
    zip.readEntry();
  });
}

/** Turns a failed read into the reason a user can act on. */
function readFailure(err: unknown, what: string): CsarError {
  if (err instanceof CsarError) return err;
  const text = errorText(err);
  if (/too many bytes in the stream|not enough bytes in the stream/.test(text)) {
    return new CsarError('SizeMismatch',
      `${what} inflates to a different size than its zip header declares (${text}); the package is corrupt or crafted to dodge size limits`, { cause: err });
  }
  return new CsarError('ZipInvalid', `${what} is corrupt (${text}); download or rebuild the package`, { cause: err });
}

function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
