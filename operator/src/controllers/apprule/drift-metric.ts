/**
 * How often the AppRule controller found a MEP no longer holding what it had confirmed: `Lost`
 * (the MEP holds no configuration for the instance, e.g. it restarted without its store) or
 * `Changed` (it holds other rules than the spec it confirmed, so someone else changed them). The
 * controller restores the rules either way; the count is for the MEPRuleDrift alert. Module-wide
 * and registered nowhere here: the operator adds it to the registry it serves
 * (controllers/fleet-metrics.ts).
 */
import { Counter } from 'prom-client';

export type RuleDrift = 'Lost' | 'Changed';

export const ruleDriftTotal = new Counter({
  name: 'mecm_apprule_drift_total',
  help: 'Times a MEP was found not holding the rules it had confirmed for an AppRule (drift: Lost or Changed); each was repaired.',
  labelNames: ['drift'] as const,
  registers: [],
});

/** Counts one drift found. */
export function recordDrift(drift: RuleDrift): void {
  ruleDriftTotal.inc({ drift });
}
