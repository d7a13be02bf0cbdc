/**
 * Argo CD's view of an object: the mecm.io health customization run on it by the Lua runner
 * built with the test environment (testenv/build/lua-health), as Argo CD runs it.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureLuaHealth } from '../../../../testenv/src/lua-health.js';
import { runCommand } from '../../support/kubectl.js';
import { customizationDir } from '../argocd/testdata.js';

export interface ArgoHealth {
  readonly status: string;
  readonly message: string;
}

/** The health Argo CD gives `object` (as read from the API server). */
export async function argoHealth(object: object): Promise<ArgoHealth> {
  const dir = await mkdtemp(join(tmpdir(), 'lua-health-'));
  try {
    const file = join(dir, 'object.json');
    await writeFile(file, JSON.stringify(object));
    const out = await runCommand(await ensureLuaHealth(), ['eval', join(customizationDir, 'health.lua'), file]);
    const result = JSON.parse(out.stdout) as { actual?: ArgoHealth; error?: string };
    if (!result.actual) throw new Error(`lua-health eval failed: ${result.error ?? out.stderr}`);
    return result.actual;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
