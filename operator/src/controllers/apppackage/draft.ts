/** The AppPackage's status draft: runtime/status.ts typed with its conditions and reasons. */
import type { AppPackage, AppPackageStatus } from '../../api/apppackage.js';
import type { AppPackageConditionType, AppPackageReason } from '../../api/apppackage-conditions.js';
import { StatusDraft } from '../../runtime/status.js';
import { summarize } from './summarize.js';

export type AppPackageDraft = StatusDraft<AppPackageStatus, AppPackageConditionType, AppPackageReason>;

export function draftOf(pkg: AppPackage, now: Date = new Date()): AppPackageDraft {
  return new StatusDraft<AppPackageStatus, AppPackageConditionType, AppPackageReason>(pkg, summarize, now);
}

/**
 * A step succeeded and more follow. Reconciling while the status is behind the spec, or to end
 * a stall; not when the status is current and a step only refills what a restart lost (the
 * parsed package, the cache), so a restart writes nothing.
 */
export function markProgress(draft: AppPackageDraft, pkg: AppPackage, message: string): void {
  const behind = pkg.status?.observedGeneration !== (pkg.metadata.generation ?? 0);
  if (behind || draft.isTrue('Stalled')) draft.markReconciling('Progressing', message);
}
