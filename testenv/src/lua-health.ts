/**
 * The runner of Argo CD's Lua health checks (testenv/build/lua-health), built on first use. It
 * is our own code, so build.sh caches it by a hash of its sources; this computes the same key.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureComponent } from './binaries.js';

/** The path of the lua-health binary, built if the cache lacks it. */
export async function ensureLuaHealth(): Promise<string> {
  const root = await ensureComponent('lua-health');
  return join(root, `lua-health-${luaHealthKey()}`, 'lua-health');
}

/**
 * build.sh's key: the first 12 hex digits of the SHA-256 of the runner's .go files (in byte
 * order), go.mod and go.sum, concatenated.
 */
function luaHealthKey(): string {
  const source = fileURLToPath(new URL('../build/lua-health/', import.meta.url));
  const files = [...readdirSync(source).filter((f) => f.endsWith('.go')).sort(), 'go.mod', 'go.sum'];
  const hash = createHash('sha256');
  for (const file of files) hash.update(readFileSync(join(source, file)));
  return hash.digest('hex').slice(0, 12);
}
