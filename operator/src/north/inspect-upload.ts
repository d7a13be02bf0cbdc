/**
 * Opens an uploaded CSAR with the operator's own CSAR reader before any CR is made, so a
 * package the APM would refuse is refused at the door (400, with the reader's message) instead
 * of becoming an AppPackage that fails later. Hashes and signatures stay the AppPackage's
 * verification policy's business: only what makes a package unreadable is refused here.
 */
import { rm } from 'node:fs/promises';
import { isCsarError, openCsar } from '../csar/index.js';
import { badRequest, lcmCodes } from './errors.js';
import type { AppFacts } from './objects.js';

export async function inspectUpload(path: string, scratchDir: string): Promise<AppFacts> {
  let workDir: string | undefined;
  try {
    const pkg = await openCsar(path, scratchDir);
    workDir = pkg.workDir;
    return { name: pkg.app.name, version: pkg.app.version, provider: pkg.app.provider, ...(pkg.app.description ? { description: pkg.app.description } : {}) };
  } catch (error) {
    if (isCsarError(error)) {
      const code = error.reason === 'ManifestMissing' ? lcmCodes.noManifest : lcmCodes.badRequest;
      throw badRequest(`the package is not a usable CSAR (${error.reason}): ${error.message}`, code);
    }
    throw error;
  } finally {
    if (workDir) await rm(workDir, { recursive: true, force: true });
  }
}
