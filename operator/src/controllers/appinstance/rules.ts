/** The AppRule an AppInstance owns: the APPD's rules with the spec's on top, as a pure function. */
import { createHash } from 'node:crypto';
import type { AppInstance } from '../../api/appinstance.js';
import { stableJson } from '../../util/stable-json.js';
import type { AppRule, AppRuleSpec } from '../../api/apprule.js';
import type { DnsRule, TrafficRule } from '../../api/rules.js';
import type { CsarPackage } from '../../csar/index.js';
import type { RulesObservation } from './decide.js';

/** The desired AppRule spec, or undefined when the app needs nothing from the MEP. */
export function desiredRuleSpec(instance: AppInstance, csar: CsarPackage, appInstanceId: string, appName: string): AppRuleSpec | undefined {
  const byId = <T>(id: (r: T) => string, base: readonly T[], over: readonly T[]) => {
    const merged = new Map(base.map((r) => [id(r), r]));
    for (const r of over) merged.set(id(r), r);
    return [...merged.values()];
  };
  const traffic = byId((r: TrafficRule) => r.trafficRuleId, csar.appd.trafficRules, instance.spec.rules?.appTrafficRule ?? []);
  const dns = byId((r: DnsRule) => r.dnsRuleId, csar.appd.dnsRules, instance.spec.rules?.appDNSRule ?? []);
  const mp1 = csar.appd.appSupportMp1 ?? false;
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
  if (!desired) return current ? 'PresentButUnneeded' : 'NotNeeded';
  if (!current) return 'Missing';
  if (current.metadata.annotations?.[specDigestAnnotation] !== ruleSpecDigest(desired)) return 'Outdated';
  const ready = current.status?.conditions?.find((c) => c.type === 'Ready');
  return ready?.status === 'True' && current.status?.observedGeneration === current.metadata.generation ? 'Ready' : 'NotReady';
}
