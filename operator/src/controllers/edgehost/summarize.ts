/** Ready of an EdgeHost: its cluster, its repository and (when configured) its MEP answer. */
import { EdgeHostReason, type EdgeHostConditionType } from '../../api/edgehost-conditions.js';
import { firstNotTrue, type ConditionReader, type ReadySummary } from '../../runtime/status.js';

export function summarizeEdgeHost(conditions: ConditionReader<EdgeHostConditionType>): ReadySummary<EdgeHostReason> {
  return firstNotTrue(conditions, ['Reachable', 'RepositoryReachable', 'MEPReachable'], {
    ready: true, reason: EdgeHostReason.EdgeHostReady, message: 'The edge cluster, its repository and its MEP answer.',
  });
}
