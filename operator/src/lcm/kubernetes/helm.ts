/**
 * Thin wrappers over the real helm client, one per helm command the plugin uses: the changes,
 * and `history` for unlock (the release's state and manifest are read from Helm's storage
 * Secrets instead, release-storage.ts). They turn a
 * ReleaseTarget into helm's arguments and helm's JSON into our types, and decide nothing:
 * never `--wait` or `--atomic` (readiness is observed separately), never `--install` (the
 * controller chooses install or upgrade), always `--reset-values` on upgrade (the request's
 * values are the whole truth; without it helm reuses the old values when none are given).
 * Install, upgrade, rollback and uninstall run as the target's tenant identity when it has one
 * (helm impersonates it for every request, its release storage included); reads run as the
 * kubeconfig's own user.
 */
import { lcmErrorOf } from './edge-api.js';
import { HelmError } from './helm-errors.js';
import { HelmProcess, type HelmCall, type HelmProcessOptions } from './helm-process.js';
import { ownerUidLabel, type InstallRequest, type Release, type ReleaseState, type ReleaseTarget } from '../plugin.js';
import { isObject, releaseFromJson, releaseState, str } from './release-storage.js';

export { HelmError } from './helm-errors.js';

export interface HelmOptions extends HelmProcessOptions {
  /** Timeout of reads (`get`, `history`) in ms (default 30 s). */
  readonly readTimeoutMs?: number;
  /** Revisions kept per release (helm's --history-max; default 10). */
  readonly historyMax?: number;
  /** Rebuilds a kubeconfig from its accepted fields before helm sees it; throws when it is refused. */
  readonly sanitizeKubeconfig?: (kubeconfig: string) => string;
}

/** One revision as `helm history -o json` prints it. */
export interface HistoryEntry {
  readonly revision: number;
  readonly status: ReleaseState;
  readonly updated: string;
  /** `<chart>-<version>`. */
  readonly chart: string;
  readonly description: string;
}

export class Helm {
  private readonly process: HelmProcess;

  constructor(private readonly options: HelmOptions) {
    this.process = new HelmProcess(options);
  }

  /** Every kept revision, oldest first. Throws ReleaseNotFound for an absent release. */
  async history(target: ReleaseTarget): Promise<HistoryEntry[]> {
    const { stdout } = await this.read(target, 'history', ['history', target.releaseName]);
    return parseHistory(stdout, this.what('history', target));
  }

  /** `helm install`; the namespace must exist (the plugin creates it). Labels the release with its owner UID. */
  async install(request: InstallRequest): Promise<Release> {
    const { stdout } = await this.process.run(this.chartCall(request, 'install', ['install', request.releaseName, request.chartRef]));
    return withOwner(parseRelease(stdout, this.what('install', request)), request);
  }

  /**
   * `helm upgrade --reset-values`; fails with ReleaseNotFound when there is no release. Helm
   * merges the owner label into the release's labels, replacing another UID: the caller checks
   * the owner first.
   */
  async upgrade(request: InstallRequest): Promise<Release> {
    const { stdout } = await this.process.run(this.chartCall(request, 'upgrade',
      ['upgrade', request.releaseName, request.chartRef, '--reset-values', '--history-max', String(this.historyMax)]));
    return withOwner(parseRelease(stdout, this.what('upgrade', request)), request);
  }

  /** `helm rollback` to `revision` (default: the previous one). Prints no JSON; read status after. */
  async rollback(target: ReleaseTarget, timeoutMs: number, revision?: number): Promise<void> {
    await this.process.run({
      ...this.change(target, 'rollback'), timeoutMs,
      args: ['rollback', target.releaseName, ...(revision === undefined ? [] : [String(revision)]),
        '--namespace', target.namespace, '--history-max', String(this.historyMax), '--timeout', seconds(timeoutMs)],
    });
  }

  /** `helm uninstall`; an absent release is fine. */
  async uninstall(target: ReleaseTarget, timeoutMs: number): Promise<void> {
    try {
      await this.process.run({
        ...this.change(target, 'uninstall'), timeoutMs,
        args: ['uninstall', target.releaseName, '--namespace', target.namespace, '--timeout', seconds(timeoutMs)],
      });
    } catch (error) {
      if (error instanceof HelmError && error.kind === 'ReleaseNotFound') return;
      throw error;
    }
  }

  close(): Promise<void> {
    return this.process.close();
  }

  private get historyMax(): number {
    return this.options.historyMax ?? 10;
  }

  private read(target: ReleaseTarget, verb: string, args: string[]) {
    return this.process.run({ ...this.base(target, verb), args: [...args, '--namespace', target.namespace, '--output', 'json'] });
  }

  private base(target: ReleaseTarget, verb: string): Omit<HelmCall, 'args'> {
    return {
      what: this.what(verb, target), kubeconfig: this.kubeconfig(target, verb), timeoutMs: this.options.readTimeoutMs ?? 30_000,
      owner: target.owner ?? target.namespace,
    };
  }

  /** A call that changes the release: made as the target's identity, when it has one. */
  private change(target: ReleaseTarget, verb: string): Omit<HelmCall, 'args'> {
    return { ...this.base(target, verb), ...(target.identity ? { identity: target.identity } : {}) };
  }

  private chartCall(request: InstallRequest, verb: string, args: string[]): HelmCall {
    return {
      ...this.change(request, verb), timeoutMs: request.timeoutMs, values: request.values,
      registry: { host: registryHost(request.chartRef), credentials: request.registryCredentials },
      args: [...args, '--namespace', request.namespace, '--timeout', seconds(request.timeoutMs), '--output', 'json',
        ...(request.plainHttp ? ['--plain-http'] : []),
        // Stored as labels of the release's storage Secrets; `helm get` does not print them.
        ...(request.ownerUid ? ['--labels', `${ownerUidLabel}=${request.ownerUid}`] : [])],
    };
  }

  /** The kubeconfig helm gets: only the fields the operator accepts (see edge/kubeconfig.ts). */
  private kubeconfig(target: ReleaseTarget, verb: string): string {
    try {
      return this.options.sanitizeKubeconfig?.(target.kubeconfig) ?? target.kubeconfig;
    } catch (error) {
      throw lcmErrorOf(error, this.what(verb, target));
    }
  }

  private what(verb: string, target: ReleaseTarget): string {
    return `helm ${verb} of release ${target.namespace}/${target.releaseName}`;
  }
}

/** `host:port` of an `oci://host:port/repo/chart:tag` reference ('' when it is not one). */
export function registryHost(chartRef: string): string {
  return /^oci:\/\/([^/]+)/.exec(chartRef)?.[1] ?? '';
}

const seconds = (ms: number) => `${Math.max(1, Math.ceil(ms / 1000))}s`;

function parseJson(stdout: string, what: string): unknown {
  try {
    return JSON.parse(stdout);
  } catch {
    throw new HelmError('Failed', `${what}: helm printed no JSON`, what);
  }
}

/** The release JSON that install and upgrade print with `--output json`. */
function parseRelease(stdout: string, what: string): Release {
  const release = releaseFromJson(parseJson(stdout, what), '');
  if (!release) throw new HelmError('Failed', `${what}: unexpected output of helm`, what);
  return release;
}

/** The release JSON carries no labels: the owner of a revision just made is the request's. */
function withOwner(release: Release, request: InstallRequest): Release {
  return request.ownerUid ? { ...release, ownerUid: request.ownerUid } : release;
}

function parseHistory(stdout: string, what: string): HistoryEntry[] {
  const list = parseJson(stdout, what);
  if (!Array.isArray(list)) throw new HelmError('Failed', `${what}: unexpected output of helm history`, what);
  return list.filter(isObject).filter((h) => typeof h.revision === 'number').map((h) => ({
    revision: h.revision as number, status: releaseState(h.status), updated: str(h.updated) ?? '',
    chart: str(h.chart) ?? '', description: str(h.description) ?? '',
  })).sort((a, b) => a.revision - b.revision);
}
