/**
 * What subscriptions notify about (pure): a *subject* is one followed object — a package on one
 * of its hosts (AppPkgNotification) or an app instance (AppLcmOpOccNotification) — with its
 * state read by deployment-state.ts, the same state North's status words come from. A subject
 * carries everything its notification says except the envelope (id, time, subscription), so
 * its digest changes exactly when there is something new to tell.
 *
 *   AppPackage  ─► one subject per host (status.hosts ∪ spec.distribution.hostNames): packageState
 *   AppInstance ─► one subject: deploymentState(its package, itself, its host)
 *   gone        ─► a Deleted subject rebuilt from what was last delivered about it
 */
import { createHash } from 'node:crypto';
import type { AppInstance } from '../../api/appinstance.js';
import type { AppPackage } from '../../api/apppackage.js';
import type { DeliveredRecord, NotificationSubscriptionFilter, NotificationType } from '../../api/notificationsubscription.js';
import { stableJson } from '../../util/stable-json.js';
import { deploymentState, packageState, type DeploymentState } from '../deployment-state.js';
import { annotations, labels } from '../objects.js';

/** A deployment's state, or the object is gone. */
export type SubjectState = DeploymentState | { readonly kind: 'Deleted' };

export type OperationType = 'INSTANTIATE' | 'OPERATE' | 'TERMINATE';

export interface PackageSubject {
  readonly kind: 'AppPackage';
  readonly name: string;
  readonly host: string;
  /** The appstore's package id (North's annotation), else the AppPackage's uid. */
  readonly id: string;
  /** The order it belongs to (North's order flow). */
  readonly orderId?: string;
  /** Distinguishes a re-created object of the same name (digest only, not notified). */
  readonly uid?: string;
  readonly state: SubjectState;
}

export interface InstanceSubject {
  readonly kind: 'AppInstance';
  readonly name: string;
  readonly host: string;
  /** The appstore's instance id (North's label), else the AppInstance's uid. */
  readonly id: string;
  readonly packageName?: string;
  readonly orderId?: string;
  readonly uid?: string;
  readonly operationType: OperationType;
  /** When the current operation started, which makes its appLcmOpOcc id. */
  readonly operationStarted?: string;
  readonly state: SubjectState;
}

export type Subject = PackageSubject | InstanceSubject;

/** The notification family of a subject kind. */
export const familyOf = (kind: Subject['kind']): NotificationType => kind === 'AppPackage' ? 'AppPkgNotification' : 'AppLcmOpOccNotification';

/** `kind/name/host`: one subject, one delivery record. */
export function subjectKey(s: { readonly kind: string; readonly name: string; readonly host: string }): string {
  return `${s.kind}/${s.name}/${s.host}`;
}

/** A short digest of everything a subject's notification says. */
export function subjectDigest(subject: Subject): string {
  return createHash('sha256').update(stableJson(subject)).digest('hex').slice(0, 32);
}

/** The hosts a package is (to be) on: those with a state, and those named in the spec. */
function packageHosts(pkg: AppPackage): string[] {
  const names = [...(pkg.status?.hosts ?? []).map((h) => h.name), ...(pkg.spec.distribution?.hostNames ?? [])];
  return [...new Set(names)].sort();
}

/** An appstore id recorded on the object, if it fits where ids are kept (status.delivered[].id). */
function appstoreId(value: string | undefined): string | undefined {
  return value && value.length <= 253 ? value : undefined;
}

function packageSubjects(pkg: AppPackage): PackageSubject[] {
  const { metadata } = pkg;
  const id = appstoreId(metadata.annotations?.[annotations.packageId]) || metadata.uid || metadata.name || '';
  const orderId = metadata.labels?.[labels.order];
  return packageHosts(pkg).map((host) => ({
    kind: 'AppPackage', name: metadata.name ?? '', host, id, uid: metadata.uid, state: packageState(pkg, host), ...(orderId ? { orderId } : {}),
  }));
}

function instanceSubject(instance: AppInstance, pkg: AppPackage | undefined): InstanceSubject {
  const { metadata, spec, status } = instance;
  const state = deploymentState(pkg, instance, spec.hostRef.name);
  const last = status?.lastOperation;
  const operationType: OperationType = state.kind === 'Terminating' ? 'TERMINATE' : last?.operationType === 'OPERATE' ? 'OPERATE' : 'INSTANTIATE';
  const orderId = metadata.labels?.[labels.order];
  return {
    kind: 'AppInstance', name: metadata.name ?? '', host: spec.hostRef.name,
    id: appstoreId(metadata.labels?.[labels.appInstanceId]) || metadata.uid || metadata.name || '',
    packageName: spec.packageRef.name, uid: metadata.uid, operationType,
    ...(operationType !== 'TERMINATE' && last?.operationType === operationType ? { operationStarted: last.startTime } : {}),
    ...(orderId ? { orderId } : {}),
    state,
  };
}

/** Every subject of a namespace's packages and instances (unfiltered), in a stable order. */
export function subjectsOf(packages: readonly AppPackage[], instances: readonly AppInstance[]): Subject[] {
  const byName = new Map(packages.map((p) => [p.metadata.name ?? '', p]));
  const subjects: Subject[] = [
    ...packages.flatMap(packageSubjects),
    ...instances.map((i) => instanceSubject(i, byName.get(i.spec.packageRef.name))),
  ];
  return subjects.sort((a, b) => compare(subjectKey(a), subjectKey(b)));
}

/** The Deleted subject of an object that was notified and is gone, from its delivery record. */
export function deletedSubject(record: DeliveredRecord): Subject {
  const base = { name: record.name, host: record.host, id: record.id, state: { kind: 'Deleted' } as const };
  return record.kind === 'AppPackage' ? { kind: 'AppPackage', ...base } : { kind: 'AppInstance', ...base, operationType: 'TERMINATE' };
}

/** What a filter can judge a subject (or a gone object's record) by. */
export interface FilterFacts {
  readonly kind: Subject['kind'];
  readonly name: string;
  readonly host: string;
  /** An instance's package; unknown for a gone instance, which then passes the package criterion. */
  readonly packageName?: string;
}

/** Whether the filter admits the object: every criterion given holds (absent or empty ones admit all). */
export function admits(filter: NotificationSubscriptionFilter | undefined, facts: FilterFacts): boolean {
  const within = (list: readonly string[] | undefined, value: string | undefined) => !list?.length || value === undefined || list.includes(value);
  if (!within(filter?.notificationTypes, familyOf(facts.kind))) return false;
  if (!within(filter?.hosts, facts.host)) return false;
  if (facts.kind === 'AppPackage') return within(filter?.appPackages, facts.name);
  return within(filter?.appInstances, facts.name) && within(filter?.appPackages, facts.packageName);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
