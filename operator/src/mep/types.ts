/**
 * What the MEP's Mm5 app-rule API (EdgeGallery `mepcfg/app_lcm/v1`) takes and answers, in the
 * operator's own spelling. The wire spelling and its quirks are handled in `wire.ts`; nothing
 * here knows about HTTP or Kubernetes.
 */
import type { DnsRule, TrafficRule } from '../api/rules.js';

export type { DnsRule, TrafficRule } from '../api/rules.js';

/**
 * The configuration of one app instance at the MEP: the body of POST/PUT
 * `/applications/{appInstanceId}/appd_configuration` and what its GET returns.
 */
export interface MepAppConfig {
  readonly appTrafficRule: readonly TrafficRule[];
  readonly appDNSRule: readonly DnsRule[];
  readonly appSupportMp1: boolean;
  readonly appName: string;
}

/** The result words of a MEP task. */
export const CONFIG_RESULTS = ['PROCESSING', 'SUCCESS', 'FAILURE'] as const;
export type ConfigResult = (typeof CONFIG_RESULTS)[number];

/**
 * A MEP configuration task: POST, PUT and DELETE answer one in PROCESSING, and
 * `GET /tasks/{taskId}/appd_configuration` reports its progress until SUCCESS or FAILURE.
 */
export interface MepTask {
  readonly taskId: string;
  readonly appInstanceId: string;
  readonly configResult: ConfigResult;
  /** Progress as the MEP writes it: a percentage in a string, "0" to "100" ("0" after FAILURE). */
  readonly configPhase?: string;
  /** The MEP's detail text (`Detailed` on the wire): why a task failed, or "Operation In progress". */
  readonly detailed?: string;
}

/** True when the task will not change any more. */
export function isTaskFinished(task: MepTask): boolean {
  return task.configResult === 'SUCCESS' || task.configResult === 'FAILURE';
}
