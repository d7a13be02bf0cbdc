/** The AppRule an AppInstance owns: the APPD's rules with the spec's on top, as a pure function. */
import { createHash } from 'node:crypto';
import type { AppInstance } from '../../api/appinstance.js';
import { stableJson } from '../../util/stable-json.js';
import type { AppRule, AppRuleSpec } from '../../api/apprule.js';
import type { DnsRule, TrafficRule } from '../../api/rules.js';
import type { CsarPackage } from '../../csar/index.js';
import type { RulesObservation } from './decide.js';

/** The APPD's part that says what the app needs from the MEP. */
export type AppdRules = Pick<CsarPackage['appd'], 'trafficRules' | 'dnsRules' | 'appSupportMp1'>;

/**
 * The desired AppRule spec, or undefined when the app needs nothing from the MEP: the APPD's
 * rules with the spec's on top (same id replaces), for this host and app instance id.
 */
export function desiredRuleSpec(instance: AppInstance, appd: AppdRules, appInstanceId: string, appName: string): AppRuleSpec | undefined {
  const byId = <T>(id: (r: T) => string, base: readonly T[], over: readonly T[]) => {
    const merged = new Map(base.map((r) => [id(r), r]));
    for (const r of over) merged.set(id(r), r);
    return [...merged.values()];
  };
  const traffic = byId((r: TrafficRule) => r.trafficRuleId, appd.trafficRules, instance.spec.rules?.appTrafficRule ?? []);
  const dns = byId((r: DnsRule) => r.dnsRuleId, appd.dnsRules, instance.spec.rules?.appDNSRule ?? []);
  const mp1 = appd.appSupportMp1 ?? false;
  if (!traffic.length && !dns.length && !mp1) return undefined;
  return {
    hostRef: { name: instance.spec.hostRef.name }, appInstanceId, appName, appSupportMp1: mp1,
    ...(traffic.length ? { appTrafficRule: traffic } : {}), ...(dns.length ? { appDNSRule: dns } : {}),
  };
}

/** Annotation on the owned AppRule: digest of the spec we applied (the API server adds defaults, so the spec itself differs). */
export const specDigestAnnotation = 'mecm.io/spec-digest';

export function ruleSpecDigest(spec: AppRuleSpec): string {
  return `sha256:${createHash('sha256').update(stableJson(spec)).digest('hex')}`;
}

/** How the owned AppRule stands against the desired spec. */
export function observeRules(desired: AppRuleSpec | undefined, current: AppRule | undefined): RulesObservation {
  if (!desired) return { kind: current ? 'PresentButUnneeded' : 'NotNeeded' };
  if (!current) return { kind: 'Missing', spec: desired };
  if (current.metadata.annotations?.[specDigestAnnotation] !== ruleSpecDigest(desired)) return { kind: 'Outdated', spec: desired };
  const ready = current.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status === 'True' && current.status?.observedGeneration === current.metadata.generation) return { kind: 'Ready' };
  return { kind: 'NotReady', reason: ready?.reason, message: ready?.message };
}
