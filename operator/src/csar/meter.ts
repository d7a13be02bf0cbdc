/**
 * Counting stage for every inflating stream: enforces the byte limits as data arrives (never
 * trusting declared sizes), and computes SHA-256 and CRC-32 on the way.
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { crc32 } from 'node:zlib';
import { CsarError } from './errors.js';
import type { CsarLimits } from './limits.js';

/** Bytes inflated so far while opening one package, against maxTotalUncompressedBytes. */
export class InflateBudget {
  private used = 0;

  constructor(readonly max: number) {}

  /** Counts `bytes`; false when the total is now over the limit. */
  take(bytes: number): boolean {
    this.used += bytes;
    return this.used <= this.max;
  }

  get inflated(): number {
    return this.used;
  }
}

/** What a Meter checks. */
export interface MeterOptions {
  /** Display name of what is being read, for messages. */
  what: string;
  limits: CsarLimits;
  budget: InflateBudget;
  /** Most bytes this stream may produce, and the error when it produces more. */
  maxBytes: number;
  tooLarge: () => CsarError;
  /** Size of the compressed input, for the ratio check; omitted for stored data. */
  compressedSize?: number;
  /** CRC-32 the output must have (zip entries); checked at the end. */
  expectedCrc32?: number;
}

/**
 * A pass-through Transform that fails the pipeline with a CsarError as soon as a limit is
 * passed, so at most one chunk (zlib's 16 KiB) beyond a limit is ever held.
 */
export class Meter extends Transform {
  private count = 0;
  private crc = 0;
  private readonly hash: Hash = createHash('sha256');
  private digest: string | undefined;

  constructor(private readonly options: MeterOptions) {
    super();
  }

  /** Bytes that went through. */
  get bytes(): number {
    return this.count;
  }

  /** Hex SHA-256 of what went through; only after the stream finished. */
  get sha256(): string {
    if (this.digest === undefined) throw new Error('Meter.sha256 read before the stream finished');
    return this.digest;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const { limits, budget, maxBytes, compressedSize, what } = this.options;
    this.count += chunk.length;
    if (this.count > maxBytes) return callback(this.options.tooLarge());
    if (!budget.take(chunk.length)) {
      return callback(new CsarError('ZipBomb',
        `the package inflates to more than ${budget.max} bytes in total (limit maxTotalUncompressedBytes), reached while reading ${what}; refused as a decompression bomb`));
    }
    if (compressedSize !== undefined && this.count >= limits.ratioCheckMinBytes
      && this.count > Math.max(compressedSize, 1) * limits.maxCompressionRatio) {
      return callback(new CsarError('ZipBomb',
        `${what} inflates more than ${limits.maxCompressionRatio} times its compressed size of ${compressedSize} bytes (limit maxCompressionRatio); refused as a decompression bomb`));
    }
    this.crc = crc32(chunk, this.crc);
    this.hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const { expectedCrc32, what } = this.options;
    if (expectedCrc32 !== undefined && this.crc >>> 0 !== expectedCrc32 >>> 0) {
      return callback(new CsarError('ZipInvalid', `${what} is corrupt: its CRC-32 does not match the zip header; download or rebuild the package`));
    }
    this.digest = this.hash.digest('hex');
    callback();
  }
}
