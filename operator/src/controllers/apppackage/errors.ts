/** The AppPackage controller's own failures, with reasons of its union (see api/apppackage-conditions.ts). */
import type { AppPackageReason } from '../../api/apppackage-conditions.js';
import { ReconcileError } from '../../runtime/reconcile.js';

/** A failure the controller itself finds (a Secret it cannot read, a refused package, work left). */
export class AppPackageError extends ReconcileError {
  declare readonly reason: AppPackageReason;

  constructor(reason: AppPackageReason, message: string, options: { readonly transient?: boolean } = {}) {
    super(reason, message, options);
    this.name = 'AppPackageError';
  }
}
