/**
 * Names and marks the AppDeployment controller gives what it makes: the AppInstance of each
 * host, its edge namespace, the labels that say whose it is and which template revision it
 * runs. Pure and deterministic: the same deployment and host always give the same names.
 */
import { createHash } from 'node:crypto';
import type { AppDeployment, AppDeploymentTemplate } from '../../api/appdeployment.js';
import { HOST_PLACEHOLDER } from '../../api/appdeployment.js';
import { API_VERSION } from '../../api/group.js';
import type { OwnerReference } from '../../runtime/kube/resource.js';
import { stableJson } from '../../util/stable-json.js';

/** Label with the owning deployment's UID: how its instances are found (and dropped when orphaned). */
export const deploymentUidLabel = 'mecm.io/appdeployment-uid';
/** Label with the deployment's name, for `kubectl get ainst -l` (omitted when the name is no label value). */
export const deploymentNameLabel = 'mecm.io/appdeployment';
/** Label with the template revision an instance was last written with. */
export const revisionLabel = 'mecm.io/appdeployment-revision';
/** Annotation with the EdgeHost the instance was made for (host names may be too long for a label). */
export const hostAnnotation = 'mecm.io/appdeployment-host';

/** Longest instance name we make: a label, so the instance's release and Secret names stay short. */
const maxNameLength = 63;

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The template's revision: 10 hex digits of the hash of its stable JSON. Equal templates, equal revisions. */
export function templateRevision(template: AppDeploymentTemplate): string {
  return sha256(stableJson(template)).slice(0, 10);
}

/**
 * The AppInstance of `host`: `<deployment>-<host>` when that is at most 63 characters, else
 * its first 52 characters, '-' and 10 hex digits of the hash of both names.
 */
export function instanceName(deployment: string, host: string): string {
  const plain = `${deployment}-${host}`;
  if (plain.length <= maxNameLength) return plain;
  const hash = sha256(`${deployment}/${host}`).slice(0, 10);
  return `${plain.slice(0, maxNameLength - 11).replace(/[-.]+$/, '')}-${hash}`;
}

const label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The edge namespace of `host`, or undefined when the template does not make a namespace name of it. */
export function edgeNamespaceFor(template: string, host: string): string | undefined {
  const namespace = template.split(HOST_PLACEHOLDER).join(host);
  return namespace.length <= 63 && label.test(namespace) ? namespace : undefined;
}

/** Whether `value` may be a label value (object names longer than 63 characters may not). */
function isLabelValue(value: string): boolean {
  return value.length <= 63 && /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/.test(value);
}

/** The labels of an instance of `deployment` at `revision`. */
export function instanceLabels(deployment: AppDeployment, revision: string): Record<string, string> {
  const name = deployment.metadata.name ?? '';
  return {
    [deploymentUidLabel]: deployment.metadata.uid ?? '',
    [revisionLabel]: revision,
    ...(isLabelValue(name) ? { [deploymentNameLabel]: name } : {}),
  };
}

/** Makes `deployment` the controlling owner of an instance: garbage-collected with it. */
export function ownedBy(deployment: AppDeployment): OwnerReference {
  return {
    apiVersion: API_VERSION, kind: 'AppDeployment', name: deployment.metadata.name ?? '', uid: deployment.metadata.uid ?? '',
    controller: true, blockOwnerDeletion: true,
  };
}

/** The rendezvous rank of `host` for the deployment `uid`: lower ranks are picked first. */
export function rendezvousRank(uid: string, host: string): string {
  return sha256(`${uid}/${host}`);
}

/** Milliseconds of a Go-style duration (30s, 5m, 1h30m, 500ms); the CRD's pattern admits nothing else. */
export function durationMs(text: string | undefined, fallbackMs: number): number {
  if (!text) return fallbackMs;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let matched = '';
  for (const m of text.matchAll(/([0-9]+)(ms|s|m|h)/g)) {
    total += Number(m[1]) * units[m[2]!]!;
    matched += m[0];
  }
  return matched === text ? total : fallbackMs;
}

/** maxUnavailable as a count of `desired` hosts: a number, or a percentage rounded down; at least 1. */
export function resolveMaxUnavailable(value: number | string | undefined, desired: number): number {
  const raw = value ?? '25%';
  const count = typeof raw === 'number' ? raw : Math.floor((Number.parseInt(raw, 10) * desired) / 100);
  return Math.max(1, Number.isFinite(count) ? count : 1);
}
