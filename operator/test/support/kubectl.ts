import { spawn } from 'node:child_process';
import type { Cluster } from '../../../testenv/src/environment.js';

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the kubectl built for the test environment's version against `cluster`. */
export async function kubectl(cluster: Cluster, args: readonly string[], stdin?: string): Promise<CommandResult> {
  const bin = (await cluster.binaries).kubectl;
  return runCommand(bin, ['--kubeconfig', cluster.kubeconfigFile, ...args], stdin);
}

export function runCommand(command: string, args: readonly string[], stdin?: string): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({
      code: code ?? -1,
      stdout: Buffer.concat(out).toString('utf8'),
      stderr: Buffer.concat(err).toString('utf8'),
    }));
    child.stdin.end(stdin ?? '');
  });
}
