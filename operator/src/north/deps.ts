/**
 * What North's routes are given: the cache view, the writer, the caller checks, the package byte
 * store, the edge reads and the settings. The server is built from these alone, so a test can
 * serve North with fastify's inject against any of them.
 */
import type { Logger } from '../runtime/logger.js';
import type { AccessReviewer } from './auth/access.js';
import type { Authenticator } from './auth/authenticate.js';
import type { EdgeResources } from './edge-resources.js';
import type { PackageBytes } from './package-bytes.js';
import type { NorthView } from './view.js';
import type { NorthWriter } from './writer.js';

export interface NorthSettings {
  /** Largest package upload, in bytes. */
  readonly maxUploadBytes: number;
  /** Where uploads wait (a private folder) until they are verified and stored. */
  readonly scratchDir: string;
  /** How long a DELETE of an order waits for its instances to be gone before answering. */
  readonly deleteWaitMs: number;
  /** The operator's namespace, where EdgeHost Secrets live. */
  readonly operatorNamespace: string;
}

export interface NorthDeps {
  readonly view: NorthView;
  readonly writer: NorthWriter;
  readonly authenticator: Authenticator;
  readonly access: AccessReviewer;
  readonly bytes: PackageBytes;
  /** An instance's Pods and Services on its edge (the one read North makes of an edge). */
  readonly edge: EdgeResources;
  readonly log: Logger;
  readonly settings: NorthSettings;
}
