/**
 * Names of archive entries: decoding and the path rules that keep extraction inside a
 * directory. Pure functions, shared by the zip reader and the chart tarball reader.
 */
import { crc32 } from 'node:zlib';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Zip general-purpose flag bit 11: the name is UTF-8. */
const UTF8_FLAG = 0x800;
/** Info-ZIP Unicode Path extra field. */
const UNICODE_PATH_EXTRA = 0x7075;

/**
 * Decodes a zip entry name as UTF-8, or returns undefined when its bytes are not valid UTF-8.
 * Names without the UTF-8 flag are read as UTF-8 too when they are (Java and most tools write
 * UTF-8 without setting it); legacy CP437 names with high bytes are deliberately refused,
 * since no EdgeGallery tool writes them and guessing an encoding makes names ambiguous.
 */
export function decodeZipEntryName(
  raw: Buffer,
  generalPurposeBitFlag: number,
  extraFields: ReadonlyArray<{ id: number; data: Buffer }> = [],
): string | undefined {
  for (const field of extraFields) {
    // Version 1, then the CRC-32 of the header name it replaces; a stale field is ignored (APPNOTE 4.6.9).
    if (field.id !== UNICODE_PATH_EXTRA || field.data.length < 6 || field.data[0] !== 1) continue;
    if (field.data.readUInt32LE(1) !== crc32(raw)) continue;
    return decodeUtf8(field.data.subarray(5));
  }
  if ((generalPurposeBitFlag & UTF8_FLAG) === 0 && raw.every((byte) => byte < 0x80)) return raw.toString('latin1');
  return decodeUtf8(raw);
}

function decodeUtf8(bytes: Buffer): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** A checked entry path: `path` is normalised (no `.` or empty segments, no trailing slash). */
export type EntryPath = { ok: true; path: string; isDirectory: boolean } | { ok: false; why: string };

const MAX_PATH_LENGTH = 1024;

/**
 * Checks that an entry name is a plain relative path that cannot point outside the directory
 * it would be extracted to, on Linux or Windows; returns the normalised path or why not.
 * Refuses rather than repairs: a package with such a name was built to attack, not by mistake.
 */
export function checkEntryPath(name: string): EntryPath {
  if (name.length === 0) return { ok: false, why: 'the name is empty' };
  if (name.length > MAX_PATH_LENGTH) return { ok: false, why: `the name is longer than ${MAX_PATH_LENGTH} characters` };
  if (/[\u0000-\u001f\u007f]/.test(name)) return { ok: false, why: 'the name contains a control character' };
  if (name.includes('\\')) return { ok: false, why: 'the name contains a backslash, which Windows tools read as a path separator' };
  if (name.startsWith('/')) return { ok: false, why: 'the name is an absolute path' };
  if (/^[A-Za-z]:/.test(name)) return { ok: false, why: 'the name starts with a drive letter' };
  const segments = name.split('/');
  if (segments.includes('..')) return { ok: false, why: 'the name contains a ".." segment that climbs out of the extraction directory' };
  const kept = segments.filter((segment) => segment !== '' && segment !== '.');
  if (kept.length === 0) return { ok: false, why: 'the name has no file name in it' };
  return { ok: true, path: kept.join('/'), isDirectory: name.endsWith('/') };
}

/** Unix file type bits of a mode. */
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

/** What a zip entry's Unix mode (the high 16 bits of its external attributes) says it is. */
export function zipEntryFileType(externalFileAttributes: number): 'regular' | 'directory' | 'symlink' | 'special' {
  // Checked whatever the "made by" host says: a lying host byte must not hide a symlink.
  const type = ((externalFileAttributes >>> 16) & 0xffff) & S_IFMT;
  if (type === 0 || type === S_IFREG) return 'regular';
  if (type === S_IFDIR) return 'directory';
  if (type === S_IFLNK) return 'symlink';
  return 'special';
}

/** A file name made from an archive path that is safe to create in a directory we own. */
export function safeFileName(path: string, fallback: string): string {
  const base = path.split('/').pop() ?? '';
  const cleaned = base.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '').slice(0, 100);
  return cleaned.length > 0 ? cleaned : fallback;
}
