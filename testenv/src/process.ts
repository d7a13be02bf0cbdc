import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

/** What is needed to start a process again, and to find it after the starter has exited. */
export interface ProcessSpec {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly logFile: string;
  readonly env?: Readonly<Record<string, string>>;
}

export interface ProcessRecord extends ProcessSpec {
  pid?: number;
}

const liveGroups = new Set<number>();
let exitHookInstalled = false;

/**
 * Kills every process group this Node process started and has not stopped, on any exit.
 * A test run that crashes or is interrupted so leaves no control plane behind.
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pid of liveGroups) signalGroup(pid, 'SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => process.exit(130));
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts `record` in its own process group with output appended to its log file.
 * With `persist`, the process outlives this Node process (the CLI's `up`); otherwise it is
 * killed when this process exits.
 */
export function startProcess(record: ProcessRecord, persist: boolean): void {
  const log = openSync(record.logFile, 'a');
  try {
    const child = spawn(record.command, [...record.args], {
      detached: true,
      stdio: ['ignore', log, log],
      env: { ...process.env, ...record.env },
    });
    if (child.pid === undefined) throw new Error(`${record.name}: could not start ${record.command}`);
    record.pid = child.pid;
    child.unref();
    if (!persist) {
      installExitHook();
      liveGroups.add(child.pid);
      child.on('exit', () => liveGroups.delete(child.pid!));
    }
  } finally {
    closeSync(log);
  }
}

/** Stops the process group of `record`: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopProcess(record: ProcessRecord, graceMs = 5000): Promise<void> {
  const pid = record.pid;
  if (pid === undefined) return;
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await delay(50);
  if (isAlive(pid)) signalGroup(pid, 'SIGKILL');
  while (isAlive(pid)) await delay(20);
  liveGroups.delete(pid);
  record.pid = undefined;
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` every `intervalMs` until it returns true or `timeoutMs` passes. */
export async function waitFor(
  what: string, check: () => Promise<boolean>, timeoutMs: number, intervalMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error;
    }
    await delay(intervalMs);
  }
  const detail = lastError instanceof Error ? `: ${lastError.message}` : '';
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
}
