/**
 * A digest of a MEP configuration for drift detection: equal digests mean the MEP would hold the
 * same thing. Computed over `normalizeConfig` (Go zero values dropped, defaults filled), with
 * object keys sorted and the rule lists sorted by their ids; the order of values inside a filter
 * (addresses, ports) is kept, as the MEP keeps it.
 */
import { createHash } from 'node:crypto';
import type { MepAppConfig } from './types.js';
import { stableJson } from '../util/stable-json.js';
import { normalizeConfig } from './wire.js';

/** `sha256:<64 hex>` of the canonical JSON of `config`. Pure. */
export function configDigest(config: MepAppConfig): string {
  return `sha256:${createHash('sha256').update(canonicalJson(config)).digest('hex')}`;
}

/** True when the MEP would hold the same configuration for `a` and `b`. */
export function sameConfig(a: MepAppConfig, b: MepAppConfig): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** The canonical JSON text the digest is taken of (exported for debugging drift). */
export function canonicalJson(config: MepAppConfig): string {
  const normal = normalizeConfig(config);
  const byId = <T>(id: (item: T) => string) => (x: T, y: T) => (id(x) < id(y) ? -1 : id(x) > id(y) ? 1 : 0);
  return stableJson({
    ...normal,
    appTrafficRule: [...normal.appTrafficRule].sort(byId((r) => r.trafficRuleId)),
    appDNSRule: [...normal.appDNSRule].sort(byId((r) => r.dnsRuleId)),
  });
}

