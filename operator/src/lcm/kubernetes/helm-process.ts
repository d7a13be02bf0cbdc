/**
 * Runs the helm binary once, in isolation: a private scratch folder per call (mode 0700) holds
 * the kubeconfig, the values and the registry config (mode 0600) and helm's cache, config and
 * data homes; it is removed when helm exits. Helm sees none of the operator's environment but
 * PATH and proxy settings. A call past its deadline gets SIGTERM (helm then marks the release
 * failed instead of leaving it pending) and SIGKILL after a grace period.
 *
 * Nothing here logs, and nothing returned or thrown holds the kubeconfig or credentials.
 */
import { spawn } from 'node:child_process';
import { Histogram } from 'prom-client';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EdgeIdentity } from '../../tenancy/identity.js';
import { classifyHelmFailure, errorDetail, failureMessage, HelmError } from './helm-errors.js';
import { credentialSecrets, kubeconfigSecrets, redact } from './redact.js';

export interface HelmProcessOptions {
  /** Path of the helm binary. */
  readonly binary: string;
  /** Most helm processes at once; more calls wait their turn (default 8). */
  readonly maxConcurrent?: number;
  /**
   * Most helm processes at once for one owner (default: all but a quarter of maxConcurrent, at
   * least 1): an owner whose hooks hang cannot hold every slot, and one owner alone still uses
   * most of them. Waiting owners take turns.
   */
  readonly maxPerOwner?: number;
  /** After SIGTERM at the deadline, how long helm gets to record the failure before SIGKILL (default 10 s). */
  readonly killGraceMs?: number;
  /** Where scratch folders are made (default the OS temp folder). */
  readonly scratchRoot?: string;
}

export interface HelmCall {
  /** The helm subcommand and its arguments, without --kubeconfig, values or registry flags. */
  readonly args: readonly string[];
  /** What the call does, for messages: e.g. `helm upgrade of release ns/name`. */
  readonly what: string;
  readonly kubeconfig: string;
  readonly timeoutMs: number;
  /** Whom the call is for (a tenant): slots are shared fairly between owners. */
  readonly owner?: string;
  /** Written to a file and passed with `-f`. */
  readonly values?: Readonly<Record<string, unknown>>;
  /**
   * Run as this identity (helm's --kube-as-user and one --kube-as-group per group): every API
   * request helm makes, its release storage included, is authorized as the identity.
   */
  readonly identity?: EdgeIdentity;
  /** Registry the chart comes from: for credentials and to tell its errors from the cluster's. */
  readonly registry?: { readonly host: string; readonly credentials?: { readonly username: string; readonly password: string } };
}

export interface HelmOutput {
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Seconds each helm call took once it had a slot (scratch files, the process, cleanup), by
 * subcommand (`install`, `get manifest`, …: a fixed set the plugin uses) and outcome (`Succeeded`
 * or the HelmError kind). Module-wide like the helm client it times and registered nowhere here:
 * the operator adds it to the registry it serves (controllers/fleet-metrics.ts).
 */
export const helmOperationDuration = new Histogram({
  name: 'mecm_helm_operation_duration_seconds',
  help: 'Duration of helm calls on edge clusters, by helm subcommand and outcome (Succeeded or the failure kind).',
  labelNames: ['operation', 'outcome'] as const,
  buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
  registers: [],
});

const maxStdout = 64 * 1024 * 1024;
const maxStderr = 256 * 1024;
const scratchPrefix = 'mecm-helm-';
const passedEnv = ['PATH', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'TZ'];

/** Runs helm calls; `close()` stops the ones still running (SIGTERM) and removes scratch folders. */
export class HelmProcess {
  private readonly running = new Set<ReturnType<typeof spawn>>();
  /** Calls waiting for a slot, per owner; Map order is the owners' turn order. */
  private readonly waiting = new Map<string, Array<() => void>>();
  private readonly activeByOwner = new Map<string, number>();
  private active = 0;
  private root: Promise<string> | undefined;

  constructor(private readonly options: HelmProcessOptions) {}

  /** Runs `call`; resolves with helm's output on exit code 0, throws HelmError otherwise. */
  async run(call: HelmCall): Promise<HelmOutput> {
    const owner = call.owner ?? '';
    await this.acquire(owner);
    const secrets = [...kubeconfigSecrets(call.kubeconfig), ...credentialSecrets(call.registry?.credentials)];
    const timer = helmOperationDuration.startTimer({ operation: command(call).slice('helm '.length) });
    let outcome = 'Succeeded';
    let dir: string | undefined;
    try {
      dir = await mkdtemp(join(await this.scratch(), 'call-'));
      const args = await this.prepare(dir, call);
      const result = await this.spawn(dir, args, call.timeoutMs);
      const scrub = (text: string) => redact(text, secrets).split(dir!).join('<scratch>');
      if (result.timedOut) {
        throw new HelmError('Timeout', scrub(failureMessage('Timeout', call.what, `no answer within ${duration(call.timeoutMs)}`)), command(call));
      }
      if (result.code !== 0) {
        const detail = errorDetail(result.stderr);
        const context = { registryHost: call.registry?.host, identity: call.identity };
        const kind = classifyHelmFailure(detail, context);
        throw new HelmError(kind, scrub(failureMessage(kind, call.what, detail, context)), command(call), result.code ?? undefined);
      }
      return { stdout: result.stdout, stderr: scrub(result.stderr) };
    } catch (error) {
      outcome = error instanceof HelmError ? error.kind : 'Failed';
      if (error instanceof HelmError) throw error;
      const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? `the helm binary ${this.options.binary} does not exist` : String(error);
      throw new HelmError('Failed', redact(failureMessage('Failed', call.what, reason), secrets), command(call));
    } finally {
      if (dir) await rm(dir, { recursive: true, force: true });
      this.release(owner);
      timer({ outcome });
    }
  }

  /** Stops running helm processes with SIGTERM and removes this process's scratch folder. */
  async close(): Promise<void> {
    for (const child of this.running) child.kill('SIGTERM');
    const root = this.root;
    this.root = undefined;
    if (root) await rm(await root, { recursive: true, force: true });
  }

  /** Writes the call's private files; returns the full argument list. */
  private async prepare(dir: string, call: HelmCall): Promise<string[]> {
    const file = (name: string, content: string) => writeFile(join(dir, name), content, { mode: 0o600, flag: 'wx' });
    await Promise.all(['cache', 'config', 'data'].map((d) => mkdir(join(dir, d), { mode: 0o700 })));
    await file('kubeconfig', call.kubeconfig);
    const auths: Record<string, { auth: string }> = {};
    const credentials = call.registry?.credentials;
    if (call.registry && credentials) {
      auths[call.registry.host] = { auth: Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64') };
    }
    await file('registry.json', JSON.stringify({ auths }));
    const args = [...call.args, '--kubeconfig', join(dir, 'kubeconfig'), '--registry-config', join(dir, 'registry.json')];
    if (call.identity) {
      args.push('--kube-as-user', call.identity.user);
      for (const group of call.identity.groups) args.push('--kube-as-group', group);
    }
    if (call.values) {
      await file('values.json', JSON.stringify(call.values));
      args.push('--values', join(dir, 'values.json'));
    }
    return args;
  }

  private spawn(dir: string, args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }> {
    const env: NodeJS.ProcessEnv = {
      HOME: dir, TMPDIR: dir, HELM_CACHE_HOME: join(dir, 'cache'), HELM_CONFIG_HOME: join(dir, 'config'),
      HELM_DATA_HOME: join(dir, 'data'), HELM_DRIVER: 'secret', KUBECONFIG: join(dir, 'kubeconfig'),
    };
    for (const name of passedEnv) if (process.env[name] !== undefined) env[name] = process.env[name];
    return new Promise((resolve, reject) => {
      const child = spawn(this.options.binary, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
      this.running.add(child);
      const out: Buffer[] = [];
      let outBytes = 0;
      let err = '';
      let timedOut = false;
      let killTimer: NodeJS.Timeout | undefined;
      const deadline = setTimeout(() => {
        timedOut = true;
        child.kill('SIGTERM');
        killTimer = setTimeout(() => child.kill('SIGKILL'), this.options.killGraceMs ?? 10_000);
      }, timeoutMs);
      child.stdout.on('data', (chunk: Buffer) => {
        outBytes += chunk.length;
        if (outBytes <= maxStdout) out.push(chunk);
      });
      child.stderr.on('data', (chunk: Buffer) => {
        err = (err + chunk.toString('utf8')).slice(-maxStderr);
      });
      child.on('error', (error) => {
        clearTimeout(deadline);
        clearTimeout(killTimer);
        this.running.delete(child);
        reject(error);
      });
      child.on('close', (code) => {
        clearTimeout(deadline);
        clearTimeout(killTimer);
        this.running.delete(child);
        if (outBytes > maxStdout) err += `\nError: helm printed more than ${maxStdout} bytes`;
        resolve({ code: outBytes > maxStdout ? 1 : code, stdout: Buffer.concat(out).toString('utf8'), stderr: err, timedOut });
      });
    });
  }

  /** This process's scratch root, made on first use; stale roots of dead processes are removed then. */
  private scratch(): Promise<string> {
    this.root ??= (async () => {
      const parent = this.options.scratchRoot ?? tmpdir();
      await removeStaleRoots(parent);
      return mkdtemp(join(parent, `${scratchPrefix}${process.pid}-`));
    })();
    return this.root;
  }

  private get limits(): { total: number; perOwner: number } {
    const total = this.options.maxConcurrent ?? 8;
    return { total, perOwner: Math.max(1, this.options.maxPerOwner ?? total - Math.ceil(total / 4)) };
  }

  /** Resolves when `owner` holds a slot: at once if one is free within its limit, else in its turn. */
  private acquire(owner: string): Promise<void> {
    return new Promise<void>((resolve) => {
      const queue = this.waiting.get(owner) ?? [];
      queue.push(resolve);
      this.waiting.set(owner, queue);
      this.dispatch();
    });
  }

  private take(owner: string): void {
    this.active++;
    this.activeByOwner.set(owner, (this.activeByOwner.get(owner) ?? 0) + 1);
  }

  private release(owner: string): void {
    this.active--;
    const left = (this.activeByOwner.get(owner) ?? 1) - 1;
    if (left > 0) this.activeByOwner.set(owner, left);
    else this.activeByOwner.delete(owner);
    this.dispatch();
  }

  /** Hands free slots to waiting owners in turn, each within its own limit. */
  private dispatch(): void {
    const { total, perOwner } = this.limits;
    for (const [owner, queue] of this.waiting) {
      if (this.active >= total) return;
      if ((this.activeByOwner.get(owner) ?? 0) >= perOwner) continue;
      const next = queue.shift();
      // The owner goes to the back of the line; gone when it has nothing left to wait for.
      this.waiting.delete(owner);
      if (queue.length) this.waiting.set(owner, queue);
      if (next) {
        this.take(owner);
        next();
      }
    }
  }
}

const duration = (ms: number) => (ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`);

/** `helm install`, `helm get metadata`, …: the subcommand words of a call. */
function command(call: HelmCall): string {
  const words = call.args.slice(0, call.args[0] === 'get' ? 2 : 1);
  return `helm ${words.join(' ')}`;
}

/** Removes scratch roots left by operator processes that died (they may hold kubeconfigs). */
async function removeStaleRoots(parent: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(parent);
  } catch {
    return;
  }
  await Promise.all(names.map(async (name) => {
    const pid = Number(/^mecm-helm-(\d+)-/.exec(name)?.[1]);
    if (!pid || pid === process.pid || alive(pid)) return;
    await rm(join(parent, name), { recursive: true, force: true });
  }));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
