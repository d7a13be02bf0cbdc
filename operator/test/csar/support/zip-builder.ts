/**
 * A zip writer for tests that does what real tools refuse to: raw (even invalid) names, any
 * external attributes (symlinks, FIFOs), lying sizes and CRCs, any compression method and flag.
 */
import { crc32, deflateRawSync } from 'node:zlib';

/** One entry as it is written; everything not given is written honestly. */
export interface ZipEntrySpec {
  /** A string is written as UTF-8 with the UTF-8 flag; a Buffer as is, flags as given. */
  name: string | Buffer;
  data?: Buffer | string;
  /** 8 (deflate, default) or 0 (stored); other values are written as given with the data stored. */
  method?: number;
  /** Unix mode in the high 16 bits, e.g. (0o120777 << 16) >>> 0 for a symlink. */
  externalAttributes?: number;
  versionMadeBy?: number;
  flags?: number;
  /** Overrides of what the headers declare. */
  declaredUncompressedSize?: number;
  declaredCompressedSize?: number;
  declaredCrc32?: number;
  extra?: Buffer;
  /** Bytes written as the entry's (compressed) data instead of compressing `data`. */
  payload?: Buffer;
}

/** Builds a zip archive from `entries`, in order. */
export function buildZip(entries: ZipEntrySpec[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const spec of entries) {
    const name = typeof spec.name === 'string' ? Buffer.from(spec.name, 'utf8') : spec.name;
    const flags = spec.flags ?? (typeof spec.name === 'string' ? 0x800 : 0);
    const data = typeof spec.data === 'string' ? Buffer.from(spec.data, 'utf8') : spec.data ?? Buffer.alloc(0);
    const method = spec.method ?? 8;
    const payload = spec.payload ?? (method === 8 ? deflateRawSync(data) : data);
    const crc = spec.declaredCrc32 ?? crc32(data);
    const compressedSize = spec.declaredCompressedSize ?? payload.length;
    const uncompressedSize = spec.declaredUncompressedSize ?? data.length;
    const extra = spec.extra ?? Buffer.alloc(0);

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(0x21, 12); // 1980-01-01
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(compressedSize >>> 0, 18);
    local.writeUInt32LE(uncompressedSize >>> 0, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(extra.length, 28);
    locals.push(local, name, extra, payload);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(spec.versionMadeBy ?? 0x031e, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc >>> 0, 16);
    central.writeUInt32LE(compressedSize >>> 0, 20);
    central.writeUInt32LE(uncompressedSize >>> 0, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(extra.length, 30);
    central.writeUInt16LE(0, 32);
    central.writeUInt16LE(0, 34);
    central.writeUInt16LE(0, 36);
    central.writeUInt32LE((spec.externalAttributes ?? (0o100644 << 16)) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name, extra);

    offset += local.length + name.length + extra.length + payload.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** External attributes of a Unix symlink. */
export const SYMLINK_ATTRIBUTES = (0o120777 << 16) >>> 0;
/** External attributes of a Unix FIFO. */
export const FIFO_ATTRIBUTES = (0o010644 << 16) >>> 0;
