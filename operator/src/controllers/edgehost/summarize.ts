/**
 * Ready of an EdgeHost: its address is its own, and its cluster, its repository and (when
 * configured) its MEP answer. A shared address comes first: it is the admin's error to fix, and
 * no other condition shows it (North refuses the address, naming both hosts).
 */
import { EdgeHostReason, type EdgeHostConditionType } from '../../api/edgehost-conditions.js';
import { firstNotTrue, type Summarize } from '../../runtime/status.js';

/** Other EdgeHosts with this host's spec.address. */
export interface AddressConflict {
  readonly address: string;
  /** Their names, sorted. */
  readonly others: readonly string[];
}

export function summarizeEdgeHost(conflict: AddressConflict | undefined): Summarize<EdgeHostConditionType, EdgeHostReason> {
  return (conditions) => {
    if (conflict) {
      return {
        ready: false, reason: EdgeHostReason.AddressConflict,
        message: `spec.address ${conflict.address} is also the address of EdgeHost ${conflict.others.join(', ')}: North addresses neither; give each EdgeHost a unique address.`,
      };
    }
    return firstNotTrue(conditions, ['Reachable', 'RepositoryReachable', 'MEPReachable'], {
      ready: true, reason: EdgeHostReason.EdgeHostReady, message: 'The edge cluster, its repository and its MEP answer.',
    });
  };
}
