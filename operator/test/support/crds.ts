import { fileURLToPath } from 'node:url';
import type { Cluster } from '../../../testenv/src/environment.js';
import { kubectl } from './kubectl.js';

const crdsDir = fileURLToPath(new URL('../../../crds/', import.meta.url));
const installed = new Map<string, Promise<void>>();

/** Applies crds/ to `cluster` (once per run) and waits until every CRD is Established. */
export function installCrds(cluster: Cluster): Promise<void> {
  let done = installed.get(cluster.server);
  if (!done) {
    done = (async () => {
      const apply = await kubectl(cluster, ['apply', '--server-side', '--force-conflicts', '--field-manager=mecm-test', '-f', crdsDir]);
      if (apply.code !== 0) throw new Error(`installing CRDs failed: ${apply.stderr}`);
      const wait = await kubectl(cluster, ['wait', '--for=condition=Established', '--timeout=60s', '-f', crdsDir]);
      if (wait.code !== 0) throw new Error(`CRDs not Established: ${wait.stderr}`);
    })();
    installed.set(cluster.server, done);
  }
  return done;
}
