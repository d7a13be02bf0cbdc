/**
 * The package manifest (`<name>.mf`, ETSI SOL004 style): a `metadata:` block of `key: value`
 * lines, then one record per file (`Source:`, `Algorithm:`, `Hash:`), then optionally a CMS
 * signature in PEM (`-----BEGIN CMS-----`) over everything before it.
 */
import { CsarError, quote } from './errors.js';
import type { Manifest, ManifestFile } from './types.js';

const BEGIN_CMS = '-----BEGIN CMS-----';
const END_CMS = '-----END CMS-----';

/**
 * Parses manifest text found at `path`; throws CsarError('ManifestInvalid') for a record
 * without Algorithm or Hash, a signature block without its end line, or a non-`key: value`
 * line. Unknown keys are kept out of the result but do not fail (SOL004 allows more).
 */
export function parseManifest(text: string, path: string): Manifest {
  const manifest: Manifest = { path, metadata: {}, files: [] };
  let body = text;
  const begin = text.indexOf(BEGIN_CMS);
  if (begin >= 0) {
    const end = text.indexOf(END_CMS, begin);
    if (end < 0) throw new CsarError('ManifestInvalid', `${quote(path)} has "${BEGIN_CMS}" without "${END_CMS}"; the signature block is cut off`);
    manifest.signature = `${text.slice(begin, end + END_CMS.length)}\n`;
    manifest.signedContent = text.slice(0, begin);
    body = text.slice(0, begin);
  }
  let section: 'none' | 'metadata' | 'file' = 'none';
  let record: Partial<ManifestFile> | undefined;
  const finish = () => {
    if (record === undefined) return;
    if (!record.algorithm || !record.hash) {
      throw new CsarError('ManifestInvalid',
        `${quote(path)}: the record of ${JSON.stringify(record.source)} has no ${record.algorithm ? 'Hash' : 'Algorithm'}; give every Source an "Algorithm: SHA-256" and a "Hash:" line`);
    }
    manifest.files.push({ source: record.source ?? '', algorithm: record.algorithm, hash: record.hash });
    record = undefined;
  };
  body.split(/\r?\n/).forEach((rawLine, index) => {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) {
      if (section === 'metadata') section = 'none';
      return;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw new CsarError('ManifestInvalid', `${quote(path)} line ${index + 1} is not "key: value"; fix or remove it`);
    const key = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    const lower = key.toLowerCase();
    if (lower === 'metadata' && value === '') {
      finish();
      section = 'metadata';
    } else if (lower === 'source') {
      finish();
      section = 'file';
      record = { source: value.replace(/^\.\//, '') };
    } else if (section === 'file' && record !== undefined && lower === 'algorithm') {
      record.algorithm = value;
    } else if (section === 'file' && record !== undefined && lower === 'hash') {
      record.hash = value;
    } else if (section === 'metadata') {
      manifest.metadata[key] = value;
    }
  });
  finish();
  return manifest;
}
