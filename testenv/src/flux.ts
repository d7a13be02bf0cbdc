/**
 * Flux's source-controller and kustomize-controller, run out of cluster against one cluster of
 * the test environment, for the GitOps tests (docs/gitops.md); and helm-controller, for the
 * fleet bench's peer (bench/fleet.ts: `controllers: ['source-controller', 'helm-controller']`). They are test tools: they run
 * with the cluster's admin kubeconfig, as `flux install` would give them cluster-admin, and a
 * Kustomization that should act as someone else says so with spec.serviceAccountName.
 *
 *   source-controller ── OCIRepository ─► artifact server on 127.0.0.1 (--storage-adv-addr)
 *   kustomize-controller ── Kustomization: fetches that artifact, applies it, waits (kstatus)
 *   helm-controller ── HelmRelease (chartRef → OCIRepository): installs the chart with Helm,
 *                      on the cluster of spec.kubeConfig.secretRef when it names one
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
import { fileURLToPath } from 'node:url';
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
/** helm-controller and the folder of its CRD (build.sh flux-helm: its own wrapper module). */
async function helmControllerBinary(): Promise<{ helmController: string; crds: string }> {
  const version = /^FLUX_HELM_CONTROLLER_VERSION=(\S+)$/m.exec(await readFile(fileURLToPath(new URL('../versions.env', import.meta.url)), 'utf8'))?.[1];
  if (!version) throw new Error('testenv/versions.env lacks FLUX_HELM_CONTROLLER_VERSION');
  const dir = join(await ensureComponent('flux-helm'), `flux-helm-controller-${version}`);
  return { helmController: join(dir, 'helm-controller'), crds: join(dir, 'crds') };
}
const readyTimeoutMs = 120_000;

export type FluxController = 'source-controller' | 'kustomize-controller' | 'helm-controller';

export interface FluxOptions {
  /** Which controllers to run (default source- and kustomize-controller). */
  readonly controllers?: readonly FluxController[];
  /** helm-controller's --concurrent: HelmReleases reconciled at once (its default is 4). */
  readonly helmConcurrent?: number;
}

export class FluxControllers {
  private constructor(private readonly processes: readonly ProcessRecord[]) {}

  /** The pid of a running controller (benches read its CPU and memory from /proc). */
  pid(name: FluxController): number | undefined {
    return this.processes.find((p) => p.name === name)?.pid;
  }

  /**
   * Installs Flux's CRDs on `cluster` and starts both controllers with their state and logs in
   * `dir` (source-controller.log, kustomize-controller.log); resolves once both answer /readyz.
   */
  static async start(cluster: Cluster, dir: string, options: FluxOptions = {}): Promise<FluxControllers> {
    const wanted = new Set(options.controllers ?? ['source-controller', 'kustomize-controller']);
    const { kubectl: kubectlBinary } = await ensureBinaries();
    const bin = await fluxBinaries();
    const helm = wanted.has('helm-controller') ? await helmControllerBinary() : undefined;
    // source-controller refuses to start when its storage folder does not exist.
    await mkdir(join(dir, 'artifacts'), { recursive: true });
    const kubectl = (...args: string[]) => run(kubectlBinary, [...args, `--kubeconfig=${cluster.kubeconfigFile}`], { maxBuffer: 16 << 20 });
    for (const crds of [bin.crds, ...(helm ? [helm.crds] : [])]) {
      await kubectl('apply', '--server-side', '--force-conflicts', `--filename=${crds}`);
      await kubectl('wait', '--for=condition=Established', '--timeout=60s', `--filename=${crds}`);
    }

    const common = [
      '--enable-leader-election=false', '--watch-all-namespaces=true', '--log-level=info', '--log-encoding=json',
    ];
    // controller-runtime reads KUBECONFIG; RUNTIME_NAMESPACE is where Flux would run in a cluster.
    const env = { KUBECONFIG: cluster.kubeconfigFile, RUNTIME_NAMESPACE: 'flux-system' };
    const processes: Array<{ record: ProcessRecord; health: number }> = [];
    const add = async (name: FluxController, command: string, args: (health: number, metrics: number) => Promise<string[]>) => {
      if (!wanted.has(name)) return;
      const [health, metrics] = [await freePort(), await freePort()];
      processes.push({
        health,
        record: {
          name, command, logFile: join(dir, `${name}.log`), env,
          args: [...common, `--health-addr=127.0.0.1:${health}`, `--metrics-addr=127.0.0.1:${metrics}`, ...await args(health, metrics)],
        },
      });
    };
    await add('source-controller', bin.sourceController, async () => {
      const storage = await freePort();
      return [
        `--storage-path=${join(dir, 'artifacts')}`, `--storage-addr=127.0.0.1:${storage}`,
        // The address kustomize-controller and helm-controller download artifacts from: this process, on loopback.
        `--storage-adv-addr=127.0.0.1:${storage}`,
      ];
    });
    // A Kustomization whose dependsOn is not Ready yet is looked at again this soon (default 30 s).
    await add('kustomize-controller', bin.kustomizeController, async () => ['--requeue-dependency=2s', '--no-remote-bases=true']);
    await add('helm-controller', helm?.helmController ?? '', async () => [
      '--requeue-dependency=2s', ...(options.helmConcurrent ? [`--concurrent=${options.helmConcurrent}`] : []),
    ]);
    const flux = new FluxControllers(processes.map((p) => p.record));
    for (const p of processes) startProcess(p.record, false);
    try {
      for (const { record: process, health: port } of processes) {
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
