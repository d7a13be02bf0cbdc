/**
 * The MEP's wire format and its quirks, in both directions.
 *
 * Sending: `toWire` writes the canonical spelling (`appDNSRule`, `dstIpAddress`, …) and only the
 * fields the MEP knows, with an absent rule `state` written as ACTIVE (what the MEP stores).
 *
 * Reading: EdgeGallery's MEP is Go; its JSON decoder matches keys case-insensitively and its
 * encoder writes every struct field, zero values included (`"qCI":0`, `"srcMacAddress":""`,
 * `"appDNSRule":null`, an empty `tunnelInfo` object). EdgeGallery's own clients also wrote
 * `appDnsRule` and read `detailed` where the MEP writes `Detailed`. `fromWire` and `parseTask`
 * accept any key case and return the operator's spelling.
 *
 * `normalizeConfig` gives the form the MEP holds — Go zero values dropped, `state` defaulted to
 * ACTIVE, `ipAddressType` IPv4/IPv6 mapped to IP_V4/IP_V6, and `tunnelSpecificData` dropped (the
 * MEP's TunnelInfo has no such field) — so a spec and a MEP answer can be compared.
 */
import type { DestinationInterface, DnsRule, TrafficFilter, TrafficRule } from '../api/rules.js';
import { CONFIG_RESULTS, type ConfigResult, type MepAppConfig, type MepTask } from './types.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

// ---------------------------------------------------------------------------------------------
// Sending

/** The request body for POST/PUT, in the MEP's canonical spelling. */
export function toWire(config: MepAppConfig): JsonObject {
  return {
    appTrafficRule: config.appTrafficRule.map(trafficRuleToWire),
    appDNSRule: config.appDNSRule.map(dnsRuleToWire),
    appSupportMp1: config.appSupportMp1,
    appName: config.appName,
  };
}

function trafficRuleToWire(rule: TrafficRule): JsonObject {
  return compact({
    trafficRuleId: rule.trafficRuleId,
    filterType: rule.filterType,
    priority: rule.priority,
    trafficFilter: rule.trafficFilter.map((f) => compact({ ...listsOf(f), qCI: f.qCI, dSCP: f.dSCP, tC: f.tC })),
    action: rule.action,
    dstInterface: rule.dstInterface?.map((d) => compact({
      interfaceType: d.interfaceType,
      tunnelInfo: d.tunnelInfo ? compact({ ...d.tunnelInfo }) : undefined,
      srcMacAddress: d.srcMacAddress,
      dstMacAddress: d.dstMacAddress,
      dstIpAddress: d.dstIpAddress,
    })),
    state: rule.state ?? 'ACTIVE',
  });
}

function dnsRuleToWire(rule: DnsRule): JsonObject {
  return compact({
    dnsRuleId: rule.dnsRuleId,
    domainName: rule.domainName,
    ipAddressType: rule.ipAddressType,
    ipAddress: rule.ipAddress,
    ttl: rule.ttl,
    state: rule.state ?? 'ACTIVE',
  });
}

const FILTER_LISTS = ['srcAddress', 'dstAddress', 'srcPort', 'dstPort', 'protocol', 'tag',
  'srcTunnelAddress', 'tgtTunnelAddress', 'srcTunnelPort', 'dstTunnelPort'] as const;
type FilterList = (typeof FILTER_LISTS)[number];

function listsOf(filter: TrafficFilter): Partial<Record<FilterList, string[]>> {
  const out: Partial<Record<FilterList, string[]>> = {};
  for (const key of FILTER_LISTS) {
    const list = filter[key];
    if (list) out[key] = [...list];
  }
  return out;
}

/** Drops undefined members (JSON.stringify would too; this keeps the type honest). */
function compact(object: { [key: string]: Json | undefined }): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(object)) if (value !== undefined) out[key] = value;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reading (any key case, Go zero values)

/** Go's rule: the last key that matches the field name case-insensitively wins. */
function field(object: unknown, name: string): unknown {
  if (!object || typeof object !== 'object' || Array.isArray(object)) return undefined;
  const wanted = name.toLowerCase();
  let found: unknown;
  for (const [key, value] of Object.entries(object)) if (key.toLowerCase() === wanted) found = value;
  return found;
}

const str = (object: unknown, name: string): string => {
  const value = field(object, name);
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
};
const num = (object: unknown, name: string): number => {
  const value = field(object, name);
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
};
const list = (object: unknown, name: string): unknown[] => {
  const value = field(object, name);
  return Array.isArray(value) ? value : [];
};
const strings = (object: unknown, name: string): string[] =>
  list(object, name).filter((v): v is string => typeof v === 'string');

/**
 * Reads a configuration as the MEP answers it (GET, or anything else in its format) and returns
 * it normalised (see `normalizeConfig`). Values are taken as the MEP holds them; enum words the
 * operator does not know are kept, so they show up as drift instead of being hidden.
 */
export function fromWire(body: unknown): MepAppConfig {
  return {
    appTrafficRule: list(body, 'appTrafficRule').map(readTrafficRule),
    appDNSRule: list(body, 'appDNSRule').map(readDnsRule),
    appSupportMp1: field(body, 'appSupportMp1') === true,
    appName: str(body, 'appName'),
  };
}

function readTrafficRule(rule: unknown): TrafficRule {
  return normalizeTrafficRule({
    trafficRuleId: str(rule, 'trafficRuleId'),
    filterType: str(rule, 'filterType') as TrafficRule['filterType'],
    priority: num(rule, 'priority'),
    trafficFilter: list(rule, 'trafficFilter').map(readFilter),
    action: str(rule, 'action') as TrafficRule['action'],
    dstInterface: list(rule, 'dstInterface').map(readInterface),
    state: str(rule, 'state') as TrafficRule['state'],
  });
}

function readFilter(filter: unknown): TrafficFilter {
  const out: { -readonly [K in keyof TrafficFilter]: TrafficFilter[K] } = {};
  for (const key of FILTER_LISTS) out[key] = strings(filter, key);
  out.qCI = num(filter, 'qCI');
  out.dSCP = num(filter, 'dSCP');
  out.tC = num(filter, 'tC');
  return out;
}

function readInterface(value: unknown): DestinationInterface {
  const tunnel = field(value, 'tunnelInfo');
  return {
    interfaceType: str(value, 'interfaceType') as DestinationInterface['interfaceType'],
    tunnelInfo: tunnel && typeof tunnel === 'object' ? {
      tunnelType: str(tunnel, 'tunnelType') as 'GTP_U' | 'GRE',
      tunnelDstAddress: str(tunnel, 'tunnelDstAddress'),
      tunnelSrcAddress: str(tunnel, 'tunnelSrcAddress'),
    } : undefined,
    srcMacAddress: str(value, 'srcMacAddress'),
    dstMacAddress: str(value, 'dstMacAddress'),
    dstIpAddress: str(value, 'dstIpAddress'),
  };
}

function readDnsRule(rule: unknown): DnsRule {
  return normalizeDnsRule({
    dnsRuleId: str(rule, 'dnsRuleId'),
    domainName: str(rule, 'domainName'),
    ipAddressType: str(rule, 'ipAddressType') as DnsRule['ipAddressType'],
    ipAddress: str(rule, 'ipAddress'),
    ttl: num(rule, 'ttl'),
    state: str(rule, 'state') as DnsRule['state'],
  });
}

/**
 * Reads a task answer (POST/PUT/DELETE, or GET of a task). Accepts `Detailed`, `detailed` or
 * any other case of every key. Throws a plain Error when the body is not a task; the client
 * turns that into a MepError of kind ServerError.
 */
export function parseTask(body: unknown): MepTask {
  const taskId = str(body, 'taskId');
  const result = str(body, 'configResult').toUpperCase();
  if (!taskId) throw new Error('the answer has no taskId');
  if (!(CONFIG_RESULTS as readonly string[]).includes(result)) {
    throw new Error(`the answer has configResult ${JSON.stringify(field(body, 'configResult'))}, not PROCESSING, SUCCESS or FAILURE`);
  }
  const phase = field(body, 'configPhase');
  const detailed = field(body, 'Detailed');
  return {
    taskId,
    appInstanceId: str(body, 'appInstanceId'),
    configResult: result as ConfigResult,
    ...(typeof phase === 'string' || typeof phase === 'number' ? { configPhase: String(phase) } : {}),
    ...(typeof detailed === 'string' && detailed ? { detailed } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// The form the MEP holds

/** A configuration as the MEP would hold it after applying it; pure, idempotent. */
export function normalizeConfig(config: MepAppConfig): MepAppConfig {
  return {
    appTrafficRule: config.appTrafficRule.map(normalizeTrafficRule),
    appDNSRule: config.appDNSRule.map(normalizeDnsRule),
    appSupportMp1: config.appSupportMp1 === true,
    appName: config.appName,
  };
}

function normalizeTrafficRule(rule: TrafficRule): TrafficRule {
  const dstInterface = (rule.dstInterface ?? []).map(normalizeInterface);
  return {
    trafficRuleId: rule.trafficRuleId,
    filterType: rule.filterType,
    priority: rule.priority,
    trafficFilter: (rule.trafficFilter ?? []).map(normalizeFilter),
    action: rule.action,
    ...(dstInterface.length ? { dstInterface } : {}),
    state: rule.state || 'ACTIVE',
  };
}

function normalizeFilter(filter: TrafficFilter): TrafficFilter {
  const out: { -readonly [K in keyof TrafficFilter]: TrafficFilter[K] } = {};
  for (const key of FILTER_LISTS) {
    const values = filter[key];
    if (values?.length) out[key] = [...values];
  }
  if (filter.qCI) out.qCI = filter.qCI;
  if (filter.dSCP) out.dSCP = filter.dSCP;
  if (filter.tC) out.tC = filter.tC;
  return out;
}

function normalizeInterface(value: DestinationInterface): DestinationInterface {
  const tunnel = value.tunnelInfo;
  const tunnelInfo = tunnel && (tunnel.tunnelType || tunnel.tunnelDstAddress || tunnel.tunnelSrcAddress) ? {
    tunnelType: tunnel.tunnelType,
    ...(tunnel.tunnelDstAddress ? { tunnelDstAddress: tunnel.tunnelDstAddress } : {}),
    ...(tunnel.tunnelSrcAddress ? { tunnelSrcAddress: tunnel.tunnelSrcAddress } : {}),
  } : undefined;
  return {
    interfaceType: value.interfaceType,
    ...(tunnelInfo ? { tunnelInfo } : {}),
    ...(value.srcMacAddress ? { srcMacAddress: value.srcMacAddress } : {}),
    ...(value.dstMacAddress ? { dstMacAddress: value.dstMacAddress } : {}),
    ...(value.dstIpAddress ? { dstIpAddress: value.dstIpAddress } : {}),
  };
}

function normalizeDnsRule(rule: DnsRule): DnsRule {
  const type = String(rule.ipAddressType);
  return {
    dnsRuleId: rule.dnsRuleId,
    domainName: rule.domainName,
    ipAddressType: type === 'IPv4' ? 'IP_V4' : type === 'IPv6' ? 'IP_V6' : rule.ipAddressType,
    ipAddress: rule.ipAddress,
    ...(rule.ttl ? { ttl: rule.ttl } : {}),
    state: rule.state || 'ACTIVE',
  };
}
