/**
 * Flux's source-controller and kustomize-controller, run out of cluster against one cluster of
 * the test environment, for the GitOps tests (docs/gitops.md). They are test tools: they run
 * with the cluster's admin kubeconfig, as `flux install` would give them cluster-admin, and a
 * Kustomization that should act as someone else says so with spec.serviceAccountName.
 *
 *   source-controller ── OCIRepository ─► artifact server on 127.0.0.1 (--storage-adv-addr)
 *   kustomize-controller ── Kustomization: fetches that artifact, applies it, waits (kstatus)
 *
 * Their CRDs come from the controllers' own modules (copied next to the binaries at build
 * time) and are applied server-side; applying them again is harmless, so several suites may
 * start controllers on the same cluster one after the other.
 *
 *   const flux = await FluxControllers.start(hub, dir);
 *   ...
 *   await flux.stop();
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureBinaries, ensureComponent } from './binaries.js';
import { readVersions } from './versions.js';
import type { Cluster } from './environment.js';
import { get } from './http.js';
import { freePort } from './ports.js';
import { isAlive, startProcess, stopProcess, waitFor, type ProcessRecord } from './process.js';

const run = promisify(execFile);

/** The controllers' binaries and the folder of their CRDs, built if the cache lacks them. */
async function fluxBinaries(): Promise<{ sourceController: string; kustomizeController: string; crds: string }> {
  const v = readVersions();
  const dir = join(await ensureComponent('flux'), `flux-source-${v.FLUX_SOURCE_CONTROLLER_VERSION}-kustomize-${v.FLUX_KUSTOMIZE_CONTROLLER_VERSION}`);
  return { sourceController: join(dir, 'source-controller'), kustomizeController: join(dir, 'kustomize-controller'), crds: join(dir, 'crds') };
}
const readyTimeoutMs = 120_000;

export class FluxControllers {
  private constructor(private readonly processes: readonly ProcessRecord[]) {}

  /**
   * Installs Flux's CRDs on `cluster` and starts both controllers with their state and logs in
   * `dir` (source-controller.log, kustomize-controller.log); resolves once both answer /readyz.
   */
  static async start(cluster: Cluster, dir: string): Promise<FluxControllers> {
    const { kubectl: kubectlBinary } = await ensureBinaries();
    const bin = await fluxBinaries();
    // source-controller refuses to start when its storage folder does not exist.
    await mkdir(join(dir, 'artifacts'), { recursive: true });
    const kubectl = (...args: string[]) => run(kubectlBinary, [...args, `--kubeconfig=${cluster.kubeconfigFile}`], { maxBuffer: 16 << 20 });
    await kubectl('apply', '--server-side', '--force-conflicts', `--filename=${bin.crds}`);
    await kubectl('wait', '--for=condition=Established', '--timeout=60s', `--filename=${bin.crds}`);

    const [sourceHealth, sourceMetrics, storage, kustomizeHealth, kustomizeMetrics] = await Promise.all(Array.from({ length: 5 }, () => freePort()));
    const common = [
      '--enable-leader-election=false', '--watch-all-namespaces=true', '--log-level=info', '--log-encoding=json',
    ];
    // controller-runtime reads KUBECONFIG; RUNTIME_NAMESPACE is where Flux would run in a cluster.
    const env = { KUBECONFIG: cluster.kubeconfigFile, RUNTIME_NAMESPACE: 'flux-system' };
    const processes: ProcessRecord[] = [
      {
        name: 'source-controller', command: bin.sourceController, logFile: join(dir, 'source-controller.log'), env,
        args: [
          ...common, `--health-addr=127.0.0.1:${sourceHealth}`, `--metrics-addr=127.0.0.1:${sourceMetrics}`,
          `--storage-path=${join(dir, 'artifacts')}`, `--storage-addr=127.0.0.1:${storage}`,
          // The address kustomize-controller downloads artifacts from: this process, on loopback.
          `--storage-adv-addr=127.0.0.1:${storage}`,
        ],
      },
      {
        name: 'kustomize-controller', command: bin.kustomizeController, logFile: join(dir, 'kustomize-controller.log'), env,
        args: [
          ...common, `--health-addr=127.0.0.1:${kustomizeHealth}`, `--metrics-addr=127.0.0.1:${kustomizeMetrics}`,
          // A Kustomization whose dependsOn is not Ready yet is looked at again this soon (default 30 s).
          '--requeue-dependency=2s', '--no-remote-bases=true',
        ],
      },
    ];
    const flux = new FluxControllers(processes);
    for (const p of processes) startProcess(p, false);
    try {
      for (const [process, port] of [[processes[0]!, sourceHealth], [processes[1]!, kustomizeHealth]] as const) {
        // A controller that exited (a bad flag, no storage) will not come up: say why at once.
        const exited = () => process.pid === undefined || !isAlive(process.pid);
        await waitFor(`${process.name} /readyz`, async () => exited() || (await get(`http://127.0.0.1:${port}/readyz`)).status === 200, readyTimeoutMs);
        if (exited()) throw new Error(`${process.name} exited: ${(await readFile(process.logFile, 'utf8')).trim().split('\n').slice(-3).join('\n')}`);
      }
    } catch (error) {
      await flux.stop();
      throw error;
    }
    return flux;
  }

  async stop(): Promise<void> {
    await Promise.all(this.processes.map((p) => stopProcess(p)));
  }
}
