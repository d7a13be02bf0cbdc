/** `Image/SwImageDesc.json`: the software images of the app (container images or VM disks). */
import { CsarError } from './errors.js';
import type { JsonValue, SwImage } from './types.js';

/** Where SwImageDesc.json is when TOSCA.meta does not say. */
export const DEFAULT_SW_IMAGE_DESC_PATH = 'Image/SwImageDesc.json';

const TEXT_FIELDS = ['id', 'version', 'architecture', 'checksum', 'containerFormat', 'diskFormat', 'operatingSystem', 'supportedVirtualisationEnvironment'] as const;
const NUMBER_FIELDS = ['minDisk', 'minRam', 'size'] as const;

/**
 * Reads a parsed SwImageDesc.json found at `what`: a list of objects each with a `name` and a
 * `swImage`. Throws CsarError('SwImageDescInvalid') naming the entry and field at fault.
 */
export function parseSwImageDesc(doc: JsonValue, what: string): SwImage[] {
  if (!Array.isArray(doc)) throw new CsarError('SwImageDescInvalid', `${what} must be a JSON list of images, e.g. [{"name": …, "swImage": …}]`);
  return doc.map((entry, index) => {
    const at = `${what} entry ${index}`;
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw new CsarError('SwImageDescInvalid', `${at} is not a JSON object`);
    const name = entry['name'];
    const swImage = entry['swImage'];
    if (typeof name !== 'string' || name === '') throw new CsarError('SwImageDescInvalid', `${at} has no "name"`);
    if (typeof swImage !== 'string' || swImage === '') throw new CsarError('SwImageDescInvalid', `${at} (${name}) has no "swImage" saying where the image is`);
    const image: SwImage = { name, swImage };
    for (const key of TEXT_FIELDS) {
      const value = entry[key];
      if (typeof value === 'string' || typeof value === 'number') image[key] = String(value);
    }
    for (const key of NUMBER_FIELDS) {
      const value = entry[key];
      if (typeof value === 'number' && Number.isFinite(value)) image[key] = value;
      else if (typeof value === 'string' && /^[0-9]+(\.[0-9]+)?$/.test(value)) image[key] = Number(value);
    }
    return image;
  });
}
