/**
 * The operator's OCI image in tests: built by build/image.sh (cached by a digest of its inputs,
 * so a warm run only looks it up), inspected and mounted with buildah, and run by
 * build/run-image.sh as its own USER with its ENTRYPOINT on a read-only root — the kubelet's
 * part, on a machine where no container runtime can start containers.
 *
 *   const image = await buildImage();
 *   const config = await imageConfig(image);
 *   await withMountedImage(image, (root) => …);          // the image's files, read-only use
 *   const run = runImage(image, { tmpfs: ['/tmp'], binds: [...], env: [...], args: [...] });
 *   await run.stop();                                    // SIGTERM, then the exit code
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runCommand } from './kubectl.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const script = (name: string) => `${root}build/${name}`;

/** What a runtime reads from the image's config (OCI image spec `config`). */
export interface ImageConfig {
  readonly user: string;
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  readonly workingDir: string;
  readonly env: readonly string[];
  readonly volumes: readonly string[];
}

async function must(command: string, args: readonly string[]): Promise<string> {
  const result = await runCommand(command, args);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.code}): ${result.stderr.slice(-2000)}`);
  return result.stdout;
}

/** Builds the image (or finds it built) and returns its name. Cold, this takes minutes. */
export async function buildImage(): Promise<string> {
  const lines = (await must('bash', [script('image.sh')])).trim().split('\n');
  return lines[lines.length - 1]!;
}

interface InspectedConfig {
  User?: string;
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  WorkingDir?: string;
  Env?: string[] | null;
  Volumes?: Record<string, object> | null;
}

export async function imageConfig(image: string): Promise<ImageConfig> {
  // The whole inspection: buildah 1.28's --format templates have no json function.
  const inspected = JSON.parse(await must(script('buildah.sh'), ['inspect', '--type', 'image', image])) as { OCIv1: { config: InspectedConfig } };
  const config = inspected.OCIv1.config;
  return {
    user: config.User ?? '', entrypoint: config.Entrypoint ?? [], cmd: config.Cmd ?? [], workingDir: config.WorkingDir ?? '',
    env: config.Env ?? [], volumes: Object.keys(config.Volumes ?? {}),
  };
}

/** Runs `use` with the image's root filesystem mounted at the path it is given, then removes the working container. */
export async function withMountedImage<T>(image: string, use: (rootfs: string) => Promise<T>): Promise<T> {
  const container = (await must(script('buildah.sh'), ['from', '--quiet', '--pull=never', image])).trim();
  try {
    return await use((await must(script('buildah.sh'), ['mount', container])).trim());
  } finally {
    await runCommand(script('buildah.sh'), ['rm', container]);
  }
}

export interface RunImageOptions {
  /** Paths that get an empty tmpfs (the chart's emptyDirs). */
  readonly tmpfs?: readonly string[];
  /** `HOST:PATH` or `HOST:PATH:ro`. */
  readonly binds?: readonly string[];
  /** `NAME=VALUE`, after the image's own Env. */
  readonly env?: readonly string[];
  /** Replaces the ENTRYPOINT, as a Pod's `command` does. */
  readonly entrypoint?: string;
  /** Arguments after the ENTRYPOINT. */
  readonly args?: readonly string[];
}

export interface ImageRun {
  readonly process: ChildProcess;
  /** Everything the entrypoint (and the runner) wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves to the runner's exit code (the entrypoint's) once the container is gone. */
  readonly exited: Promise<number | null>;
  /** SIGTERM to the entrypoint; then `exited`. */
  stop(): Promise<number | null>;
}

export function runImage(image: string, options: RunImageOptions): ImageRun {
  const args = [
    ...(options.tmpfs ?? []).flatMap((path) => ['--tmpfs', path]),
    ...(options.binds ?? []).flatMap((spec) => ['--bind', spec]),
    ...(options.env ?? []).flatMap((entry) => ['--env', entry]),
    ...(options.entrypoint ? ['--entrypoint', options.entrypoint] : []),
    '--', ...(options.args ?? []),
  ];
  const child = spawn('bash', [script('run-image.sh'), image, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const append = (chunk: string) => { output += chunk; };
  child.stdout.setEncoding('utf8').on('data', append);
  child.stderr.setEncoding('utf8').on('data', append);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    process: child,
    exited,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
