import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { readVersions } from './versions.js';

/** Absolute paths of every binary the test environment runs. */
export interface Binaries {
  readonly etcd: string;
  readonly kubeApiserver: string;
  readonly kubeControllerManager: string;
  readonly kubeScheduler: string;
  readonly kubectl: string;
  readonly helm: string;
  readonly registry: string;
  readonly kwok: string;
  /** kwok's Stage objects (node and pod lifecycles), gathered from its module at build time. */
  readonly kwokStages: string;
}

let cached: Promise<Binaries> | undefined;
const script = fileURLToPath(new URL('../build/build.sh', import.meta.url));

/**
 * Builds (on a cold cache) or finds (on a warm one) the pinned binaries of the clusters. The
 * work is done by testenv/build/build.sh so `make` and the TypeScript API share one cache.
 */
export function ensureBinaries(): Promise<Binaries> {
  cached ??= build();
  return cached;
}

/** Components of build.sh only some tests run (the GitOps tests), built when first asked for. */
export type ExtraComponent = 'lua-health' | 'flux' | 'flux-helm';
const extras = new Map<ExtraComponent, Promise<string>>();

/** Builds (cold) or finds (warm) `component`; resolves to the cache root it lies under. */
export function ensureComponent(component: ExtraComponent): Promise<string> {
  let root = extras.get(component);
  if (!root) {
    root = runBuild(script, [component]);
    extras.set(component, root);
  }
  return root;
}

async function build(): Promise<Binaries> {
  const root = await runBuild(script, ['core']);
  const v = readVersions();
  const dir = (name: string, version: string) => join(root, `${name}-${version}`);
  const kube = dir('kubernetes', v.KUBERNETES_VERSION);
  return {
    etcd: join(dir('etcd', v.ETCD_VERSION), 'etcd'),
    kubeApiserver: join(kube, 'kube-apiserver'),
    kubeControllerManager: join(kube, 'kube-controller-manager'),
    kubeScheduler: join(kube, 'kube-scheduler'),
    kubectl: join(kube, 'kubectl'),
    helm: join(dir('helm', v.HELM_VERSION), 'helm'),
    registry: join(dir('registry', v.DISTRIBUTION_VERSION), 'registry'),
    kwok: join(dir('kwok', v.KWOK_VERSION), 'kwok'),
    kwokStages: join(dir('kwok', v.KWOK_VERSION), 'stages.yaml'),
  };
}

/** Runs the build script with its progress on our stderr; resolves to its last stdout line. */
function runBuild(script: string, components: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script, ...components], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString('utf8'); });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(stdout.trim().split('\n').pop() ?? '');
      else reject(new Error(`testenv/build/build.sh failed with exit code ${code}; see the output above`));
    });
  });
}
