import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder of the real EdgeGallery packages: `$MECM_SHARED_DIR/testdata/edgegallery`, or
 * `shared/` beside the checkout (where CI and the developers' machines have it).
 */
export function edgegalleryTestdata(): string {
  const shared = process.env.MECM_SHARED_DIR ?? fileURLToPath(new URL('../../../../shared/', import.meta.url));
  const dir = join(shared, 'testdata', 'edgegallery');
  if (!existsSync(dir)) {
    throw new Error(`The real EdgeGallery packages are not at ${dir}: put shared/ beside the checkout or set MECM_SHARED_DIR.`);
  }
  return dir;
}

/** The path of one real package, e.g. `etherpad.csar`. */
export function edgegalleryPackage(file: string): string {
  return join(edgegalleryTestdata(), file);
}
