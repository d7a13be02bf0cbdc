/**
 * Ready of an AppPackage: downloaded, parsed and distributed to every target, and not stalled.
 * A Verified=False that the policy accepts (manifestHashes: Warn) does not hold Ready back.
 * When not Ready: the stall's reason, else the first of Downloaded, Parsed, Verified,
 * Distributed that is not True.
 */
import type { AppPackageConditionType, AppPackageReason } from '../../api/apppackage-conditions.js';
import { firstNotTrue, type ConditionReader, type ReadySummary } from '../../runtime/status.js';

const required: readonly AppPackageConditionType[] = ['Downloaded', 'Parsed', 'Distributed'];
const order: readonly AppPackageConditionType[] = ['Downloaded', 'Parsed', 'Verified', 'Distributed'];

export function summarize(conditions: ConditionReader<AppPackageConditionType>): ReadySummary<AppPackageReason> {
  const stalled = conditions.get('Stalled');
  // Conditions are only written through the typed draft, so their reasons are AppPackageReasons.
  if (stalled?.status === 'True') return { ready: false, reason: stalled.reason as AppPackageReason, message: stalled.message };
  if (required.every((type) => conditions.isTrue(type))) {
    return { ready: true, reason: 'PackageReady', message: 'The package is verified as configured and distributed to every target host.' };
  }
  return firstNotTrue(conditions, order, { ready: false, reason: 'Progressing', message: 'Working on it.' });
}
