/**
 * Bounds on what openCsar reads, so a hostile package cannot exhaust memory, disk or time.
 * Every limit counts bytes as they inflate, not only what headers declare.
 */
export interface CsarLimits {
  /** Most entries in one zip (the package, or an archive inside it) or one chart tarball. */
  maxEntries: number;
  /** Most bytes inflated in total while opening one package, nested archives and charts included; also the most the package's entries may declare. */
  maxTotalUncompressedBytes: number;
  /** Most bytes one entry may inflate to. */
  maxEntryBytes: number;
  /** Highest inflated/compressed ratio of one entry or chart once it passes ratioCheckMinBytes. */
  maxCompressionRatio: number;
  /** Entries smaller than this are not ratio-checked: tiny files compress absurdly well by nature. */
  ratioCheckMinBytes: number;
  /** Most levels of zip inside the package's zip (the real `APPD/*.zip` layouts need 1). */
  maxNestingDepth: number;
  /** Largest manifest (`*.mf`) and TOSCA.meta, in bytes. */
  maxManifestBytes: number;
  /** Largest YAML or JSON document read (APPD, Chart.yaml, SwImageDesc.json), in bytes. */
  maxYamlBytes: number;
  /** Most nodes of a YAML document after its aliases are expanded (guards alias bombs). */
  maxYamlNodes: number;
}

const MiB = 1024 * 1024;

/** Defaults fit EdgeGallery packages of up to a few hundred MiB with room to spare. */
export const defaultCsarLimits: Readonly<CsarLimits> = Object.freeze({
  maxEntries: 10_000,
  maxTotalUncompressedBytes: 2048 * MiB,
  maxEntryBytes: 1024 * MiB,
  maxCompressionRatio: 100,
  ratioCheckMinBytes: 1 * MiB,
  maxNestingDepth: 2,
  maxManifestBytes: 1 * MiB,
  maxYamlBytes: 4 * MiB,
  maxYamlNodes: 100_000,
});

/** Merges `overrides` over the defaults; throws RangeError on a limit that is not a positive integer (a caller bug). */
export function resolveLimits(overrides: Partial<CsarLimits> = {}): CsarLimits {
  const limits: CsarLimits = { ...defaultCsarLimits };
  for (const key of Object.keys(defaultCsarLimits) as Array<keyof CsarLimits>) {
    const value = overrides[key];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < (key === 'maxNestingDepth' ? 0 : 1)) {
      throw new RangeError(`CSAR limit ${key} must be a positive integer, got ${String(value)}`);
    }
    limits[key] = value;
  }
  return limits;
}
