/** Builders for the AppPackage unit tests: packages, observations, a real parsed CSAR, an action context. */
import { join } from 'node:path';
import type { AppPackage, AppPackageStatus } from '../../../src/api/apppackage.js';
import type { AppPackageEventReason } from '../../../src/api/apppackage-conditions.js';
import { openCsar, type CsarPackage } from '../../../src/csar/index.js';
import type { ActionContext } from '../../../src/controllers/apppackage/actions/context.js';
import type { AppPackageObservation, ObservedHost } from '../../../src/controllers/apppackage/decide.js';
import { draftOf } from '../../../src/controllers/apppackage/draft.js';
import { finalizer } from '../../../src/controllers/apppackage/finalizer.js';
import type { HostEntry } from '../../../src/controllers/apppackage/hosts.js';
import type { EventType } from '../../../src/runtime/events.js';
import { allowed } from '../../../src/tenancy/verdict.js';
import { chartTgz, sandbox, validFiles, withManifest, zipOf } from '../../csar/support/packages.js';
import { testLogger } from '../../support/logger.js';

export const sha = 'a'.repeat(64);
export const t0 = new Date('2026-11-27T10:00:00Z');

type Condition = NonNullable<AppPackageStatus['conditions']>[number];

export function condition(type: string, status: Condition['status'], generation: number, reason = 'Reason', message = ''): Condition {
  return { type, status, reason, message, observedGeneration: generation, lastTransitionTime: '2026-11-27T09:00:00Z' };
}

/** An AppPackage at generation 2 that was downloaded, parsed and distributed at that generation. */
export function appPackage(overrides: { spec?: Partial<AppPackage['spec']>; status?: AppPackageStatus; metadata?: Partial<AppPackage['metadata']> } = {}): AppPackage {
  return {
    apiVersion: 'mecm.io/v1alpha1', kind: 'AppPackage',
    metadata: { name: 'demo', namespace: 'tenant', generation: 2, finalizers: [finalizer], ...overrides.metadata },
    spec: { source: { appstore: { url: 'http://store.example/', appId: 'app', packageId: 'v1' } }, ...overrides.spec },
    status: overrides.status ?? {
      digest: `sha256:${sha}`,
      conditions: [condition('Downloaded', 'True', 2), condition('Parsed', 'True', 2), condition('Verified', 'True', 2), condition('Distributed', 'True', 2)],
    },
  };
}

export function entry(name: string, state: HostEntry['state'], digest = `sha256:${sha}`): HostEntry {
  return { name, state, digest, message: '', lastTransitionTime: '2026-11-27T09:00:00Z' };
}

export function observedHost(name: string, overrides: Partial<ObservedHost> = {}): ObservedHost {
  return {
    name, previous: undefined, targeted: true, exists: true, paused: false, permission: allowed,
    access: { ok: true, value: { location: { baseUrl: 'http://127.0.0.1:9', host: '127.0.0.1:9', prefix: '' }, credentials: undefined } },
    ...overrides,
  };
}

/** Everything at hand: cached, parsed, verified, permitted without a byte limit, no hosts. */
export function observation(parsed: CsarPackage | undefined, overrides: Partial<AppPackageObservation> = {}): AppPackageObservation {
  return {
    hasFinalizer: true,
    permission: allowed,
    budget: undefined,
    cached: { sha256: sha, file: `/cache/${sha}.csar`, size: 1000 },
    source: { ok: true, credentials: { kind: 'Token', token: 'tok' } },
    parsed,
    trustedCa: { ok: true, value: undefined },
    verificationInputs: 'inputs',
    verification: { verified: true, reason: 'Verified', message: 'ok' },
    imageCredentials: { ok: true, value: undefined },
    targets: [],
    hosts: [],
    ...overrides,
  };
}

/** A valid package built here, parsed for real; remove() when done. */
export async function demoPackage(): Promise<{ csar: CsarPackage; file: string; zip: Buffer; remove: () => Promise<void> }> {
  const box = await sandbox();
  const zip = zipOf(withManifest(validFiles(await chartTgz('demo', '1.2.3'))));
  const file = await box.input('demo.csar', zip);
  return { csar: await openCsar(file, join(box.root, 'scratch')), file, zip, remove: box.remove };
}

export interface RecordingContext extends ActionContext {
  readonly events: Array<{ type: EventType; reason: AppPackageEventReason; message: string }>;
  /** Each status commit() would have written. */
  readonly commits: AppPackageStatus[];
}

/** An action context whose commits and events are recorded instead of sent. */
export function recordingContext(pkg: AppPackage, now = t0): RecordingContext {
  const draft = draftOf(pkg, now);
  const events: RecordingContext['events'] = [];
  const commits: AppPackageStatus[] = [];
  return {
    pkg, draft, events, commits, log: testLogger(), signal: new AbortController().signal,
    async commit() {
      commits.push(draft.result());
      return true;
    },
    async event(type, reason, message) {
      events.push({ type, reason, message });
    },
  };
}

export const conditionOf = (status: AppPackageStatus | undefined, type: string) => status?.conditions?.find((c) => c.type === type);
