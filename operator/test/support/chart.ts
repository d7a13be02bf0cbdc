/**
 * The chart as the chart suites see it: `helm template` / `helm lint` with the test
 * environment's pinned helm (built or found by ensureBinaries, no cluster needed), the rendered
 * documents parsed, and the values an admin turns on for "everything".
 */
import yaml from 'js-yaml';
import { ensureBinaries } from '../../../testenv/src/binaries.js';
import { runCommand, type CommandResult } from './kubectl.js';
import { chartDir } from './observability.js';

/** A rendered Kubernetes object, as far as the tests read it. */
export interface Rendered {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly spec?: Record<string, unknown>;
  readonly data?: Record<string, string>;
  readonly type?: string;
  readonly [field: string]: unknown;
}

/** Runs the pinned helm with `args`. */
export async function helm(args: readonly string[]): Promise<CommandResult> {
  return runCommand((await ensureBinaries()).helm, args);
}

/** `helm template <release> charts/mecm-operator -n <namespace>` with `--set` of each of `sets`, plus `extra` flags. */
export function template(sets: readonly string[], options: { readonly release?: string; readonly namespace?: string; readonly extra?: readonly string[] } = {}): Promise<CommandResult> {
  return helm(['template', options.release ?? 'mecm', chartDir, '--namespace', options.namespace ?? 'mecm-system',
    ...sets.flatMap((s) => ['--set', s]), ...(options.extra ?? [])]);
}

/** The objects of rendered YAML (empty documents dropped). */
export function documents(text: string): Rendered[] {
  return (yaml.loadAll(text) as Array<Rendered | null>).filter((d): d is Rendered => d !== null && typeof d === 'object');
}

/** Renders with `sets` and fails with helm's words when it refuses. */
export async function render(sets: readonly string[], options: Parameters<typeof template>[1] = {}): Promise<Rendered[]> {
  const result = await template(sets, options);
  if (result.code !== 0) throw new Error(`helm template failed: ${result.stderr}`);
  return documents(result.stdout);
}

/** The one object of `kind` (and `name`, when given) in `docs`; throws when there is not exactly one. */
export function only(docs: readonly Rendered[], kind: string, name?: string): Rendered {
  const found = docs.filter((d) => d.kind === kind && (name === undefined || d.metadata.name === name));
  if (found.length !== 1) throw new Error(`${found.length} ${kind}${name ? ` ${name}` : ''} rendered`);
  return found[0]!;
}

/** Every optional part on: North (with TLS, registry and JWT key), the monitoring objects, NetworkPolicy peers, the PDB. */
export const everything: readonly string[] = [
  'north.enabled=true', 'north.registry=http://north-registry:5000', 'north.tlsSecret=north-tls', 'north.jwt.publicKeySecret=appstore-jwt',
  'monitoring.serviceMonitor.enabled=true', 'monitoring.serviceMonitor.labels.release=kube-prometheus-stack',
  'monitoring.prometheusRule.enabled=true', 'monitoring.prometheusRule.labels.release=kube-prometheus-stack',
  'monitoring.dashboard.enabled=true', 'monitoring.dashboard.folder=MEC',
  'networkPolicy.metricsFrom[0].namespaceSelector.matchLabels.kubernetes\\.io/metadata\\.name=monitoring',
  'networkPolicy.northFrom[0].ipBlock.cidr=10.0.0.0/8',
  'podDisruptionBudget.enabled=true', 'imagePullSecrets[0].name=registry-pull',
];
