import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The pinned versions of the test environment's binaries, read from testenv/versions.env. */
export interface TestEnvVersions {
  readonly KUBERNETES_VERSION: string;
  readonly ETCD_VERSION: string;
  readonly HELM_VERSION: string;
  readonly DISTRIBUTION_VERSION: string;
  readonly KWOK_VERSION: string;
  readonly FLUX_SOURCE_CONTROLLER_VERSION: string;
  readonly FLUX_KUSTOMIZE_CONTROLLER_VERSION: string;
}

const keys = [
  'KUBERNETES_VERSION', 'ETCD_VERSION', 'HELM_VERSION', 'DISTRIBUTION_VERSION', 'KWOK_VERSION',
  'FLUX_SOURCE_CONTROLLER_VERSION', 'FLUX_KUSTOMIZE_CONTROLLER_VERSION',
] as const;

export function readVersions(): TestEnvVersions {
  const file = fileURLToPath(new URL('../versions.env', import.meta.url));
  const values = new Map<string, string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^([A-Z_]+)=(\S+)\s*$/.exec(line);
    if (match) values.set(match[1]!, match[2]!);
  }
  const out: Record<string, string> = {};
  for (const key of keys) {
    const value = values.get(key);
    if (!value) throw new Error(`testenv/versions.env lacks ${key}`);
    out[key] = value;
  }
  return out as unknown as TestEnvVersions;
}
