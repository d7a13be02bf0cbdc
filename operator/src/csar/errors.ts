import type { ReasonedError } from '../runtime/reconcile.js';

/**
 * Why a CSAR package was refused. One reason per distinct problem, CamelCase, so the
 * AppPackage controller can put it in a condition as it is.
 */
export type CsarErrorReason =
  // The archive itself
  | 'ZipEmpty'
  | 'ZipInvalid'
  | 'UnsupportedCompression'
  | 'EncryptedEntry'
  | 'SizeMismatch'
  | 'UnsafePath'
  | 'SymlinkEntry'
  | 'SpecialFileEntry'
  | 'NameEncodingInvalid'
  | 'DuplicateEntry'
  | 'ZipBomb'
  | 'TooManyEntries'
  | 'NestingTooDeep'
  // TOSCA metadata and manifest
  | 'ToscaMetaMissing'
  | 'ToscaMetaInvalid'
  | 'ManifestMissing'
  | 'ManifestInvalid'
  | 'ManifestTooLarge'
  | 'UnsupportedAppClass'
  // APPD
  | 'AppdMissing'
  | 'AppdInvalid'
  | 'YamlBomb'
  | 'YamlTooLarge'
  // Images and charts
  | 'SwImageDescInvalid'
  | 'ChartMissing'
  | 'ChartInvalid'
  | 'ChartUnsafePath'
  | 'ChartYamlMissing';

/**
 * A package that cannot be used. `reason` is machine-readable; `message` names the file and
 * says what to fix. Thrown by openCsar; never carries package contents beyond short names.
 * Never transient: the same bytes give the same verdict, so only a new package helps.
 */
export class CsarError extends Error implements ReasonedError {
  override readonly name = 'CsarError';
  readonly transient = false;

  constructor(readonly reason: CsarErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** True when `err` is a CsarError, optionally with the given reason. */
export function isCsarError(err: unknown, reason?: CsarErrorReason): err is CsarError {
  return err instanceof CsarError && (reason === undefined || err.reason === reason);
}

/** Quotes an archive path for a message; long or odd names are cut so messages stay short. */
export function quote(path: string): string {
  const shown = path.length > 200 ? `${path.slice(0, 200)}…` : path;
  return JSON.stringify(shown);
}
