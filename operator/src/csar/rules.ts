/**
 * Traffic and DNS rules as APPDs in the wild write them, normalised to the CRD shape of
 * operator/src/api/rules.ts (what AppRule.spec holds and the MEP takes).
 *
 * Mapped silently: keys in any letter case (the MEP's decoder ignores case, and packages use
 * `appDnsRule`, `qci`, …), a single object where a list is expected (`dstInterface: {…}`),
 * numbers where strings are expected (ports, tags, ids), enum values in any case, empty
 * strings meaning "not set".
 * Not mapped: anything whose meaning would change. A rule with an invalid address, port,
 * protocol or enum, or a filter field this code does not know, is left out whole (dropping only
 * the bad filter field would make the rule match more traffic than its author asked for).
 * Nothing is left out silently: every rule that is not in the result is in `problems`, naming
 * the rule and why, so that declared = mapped + problems always holds.
 */
import { isIP } from 'node:net';
import { MAX_DNS_RULES, MAX_TRAFFIC_RULES, protocolPattern, tagPattern, type DestinationInterface, type DnsRule, type TrafficFilter, type TrafficRule } from '../api/rules.js';
import type { RuleProblem } from './types.js';

/** Rules in CRD shape, and what could not be mapped. */
export interface NormalisedRules {
  trafficRules: TrafficRule[];
  dnsRules: DnsRule[];
  /** One per rule of the APPD that is in neither list, with why. */
  problems: RuleProblem[];
  /**
   * One line per rule or field left out or read leniently, e.g. `appTrafficRule[0] "r1":
   * dstPort "80-90" is not a port; rule left out` (the problems, and lesser things such as an
   * assumed filterType), for logs and messages.
   */
  warnings: string[];
}

type RawObject = Record<string, unknown>;

/** Why one rule cannot be mapped. */
class Unmappable extends Error {}

const RULE_ID = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DOMAIN = /^([A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?\.?$/;
const MAC = /^[0-9A-Fa-f]{2}([-:][0-9A-Fa-f]{2}){5}$/;
const ACTIONS = ['DROP', 'FORWARD_DECAPSULATED', 'FORWARD_AS_IS', 'PASSTHROUGH', 'DUPLICATE_DECAPSULATED', 'DUPLICATE_AS_IS'] as const;
const DELIVERING: ReadonlySet<string> = new Set(['FORWARD_DECAPSULATED', 'FORWARD_AS_IS', 'DUPLICATE_DECAPSULATED', 'DUPLICATE_AS_IS']);
/** The AppRule CRD's grammar: what passes here, the API server accepts in the owned AppRule. */
const PROTOCOL = new RegExp(protocolPattern);
const TAG = new RegExp(tagPattern);
const FILTER_FIELDS = ['srcAddress', 'dstAddress', 'srcPort', 'dstPort', 'protocol', 'tag', 'srcTunnelAddress', 'tgtTunnelAddress',
  'srcTunnelPort', 'dstTunnelPort', 'qCI', 'dSCP', 'tC'];

/**
 * Normalises the rules of an APPD's `tosca.nodes.nfv.app.configuration` properties (a parsed
 * YAML mapping; anything else gives no rules and a warning). Pure; never throws on content.
 */
export function normaliseRules(appConfiguration: unknown): NormalisedRules {
  const result: NormalisedRules = { trafficRules: [], dnsRules: [], problems: [], warnings: [] };
  if (isAbsent(appConfiguration)) return result;
  if (!isObject(appConfiguration)) {
    result.warnings.push('the app configuration is not a mapping; no rules read');
    return result;
  }
  const traffic = field(appConfiguration, 'appTrafficRule', 'appTrafficRules');
  const dns = field(appConfiguration, 'appDNSRule', 'appDNSRules');
  collect(traffic, { kind: 'traffic', list: 'appTrafficRule', max: MAX_TRAFFIC_RULES, map: trafficRule, idOf: (rule) => rule.trafficRuleId }, result.trafficRules, result);
  collect(dns, { kind: 'dns', list: 'appDNSRule', max: MAX_DNS_RULES, map: dnsRule, idOf: (rule) => rule.dnsRuleId }, result.dnsRules, result);
  return result;
}

/** How one list of rules is read. */
interface RuleList<T> {
  kind: RuleProblem['kind'];
  list: string;
  max: number;
  map: (raw: unknown, warn: (text: string) => void) => T;
  idOf: (rule: T) => string;
}

function collect<T>(raw: unknown, how: RuleList<T>, out: T[], result: Pick<NormalisedRules, 'problems' | 'warnings'>): void {
  const ids = new Set<string>();
  asList(raw).forEach((item, index) => {
    const id = ruleIdOf(item);
    const label = `${how.list}[${index}]${id === undefined ? '' : ` ${shown(id)}`}`;
    try {
      const rule = how.map(item, (text) => result.warnings.push(`${label}: ${text}`));
      const mappedId = how.idOf(rule);
      if (ids.has(mappedId)) throw new Unmappable(`id ${JSON.stringify(mappedId)} is used by an earlier rule`);
      if (out.length >= how.max) throw new Unmappable(`more than ${how.max} rules; the MEP takes at most ${how.max}`);
      ids.add(mappedId);
      out.push(rule);
    } catch (err) {
      if (!(err instanceof Unmappable)) throw err;
      result.problems.push({ kind: how.kind, index, ruleId: id ?? `${how.list}[${index}]`, problem: err.message });
      result.warnings.push(`${label}: ${err.message}; rule left out`);
    }
  });
}

function trafficRule(raw: unknown, warn: (text: string) => void): TrafficRule {
  const rule = object(raw, 'the rule');
  warnUnknown(rule, ['trafficRuleId', 'filterType', 'priority', 'trafficFilter', 'action', 'dstInterface', 'state'], warn);
  const trafficRuleId = ruleId(field(rule, 'trafficRuleId'), 'trafficRuleId');
  let filterType = optionalEnum(field(rule, 'filterType'), ['FLOW', 'PACKET'], 'filterType');
  if (filterType === undefined) {
    filterType = 'FLOW';
    warn('no filterType; FLOW assumed');
  }
  const priority = integer(field(rule, 'priority'), 'priority', 1, 255);
  if (priority === undefined) throw new Unmappable('no priority (1–255)');
  const filters = asList(field(rule, 'trafficFilter'));
  if (filters.length === 0) throw new Unmappable('no trafficFilter');
  if (filters.length > 8) throw new Unmappable(`${filters.length} trafficFilter entries; at most 8`);
  const action = optionalEnum(field(rule, 'action'), ACTIONS, 'action');
  if (action === undefined) throw new Unmappable(`no action (one of ${ACTIONS.join(', ')})`);
  const normalised: TrafficRule = { trafficRuleId, filterType, priority, trafficFilter: filters.map((f, i) => trafficFilter(f, i)), action };
  const interfaces = asList(field(rule, 'dstInterface'));
  if (DELIVERING.has(action)) {
    if (interfaces.length === 0) throw new Unmappable(`action ${action} needs a dstInterface`);
    if (interfaces.length > 2) throw new Unmappable(`${interfaces.length} dstInterface entries; at most 2`);
    normalised.dstInterface = interfaces.map((item, i) => destinationInterface(item, i, warn));
  } else if (interfaces.length > 0) {
    // The MEP ignores dstInterface for DROP and PASSTHROUGH: keep it when valid, never fail the rule for it.
    try {
      if (interfaces.length > 2) throw new Unmappable(`${interfaces.length} entries; at most 2`);
      normalised.dstInterface = interfaces.map((item, i) => destinationInterface(item, i, warn));
    } catch (err) {
      if (!(err instanceof Unmappable)) throw err;
      warn(`dstInterface left out (${err.message}); action ${action} does not use it`);
    }
  }
  const state = optionalEnum(field(rule, 'state'), ['ACTIVE', 'INACTIVE'], 'state');
  if (state !== undefined) normalised.state = state;
  return normalised;
}

/** The list-valued fields of a traffic filter. */
type ListField = 'srcAddress' | 'dstAddress' | 'srcPort' | 'dstPort' | 'protocol' | 'tag'
  | 'srcTunnelAddress' | 'tgtTunnelAddress' | 'srcTunnelPort' | 'dstTunnelPort';

function trafficFilter(raw: unknown, index: number): TrafficFilter {
  const filter = object(raw, `trafficFilter[${index}]`);
  const at = (name: string) => `trafficFilter[${index}].${name}`;
  // A filter field we do not know (often a misspelt one) would be ignored by the MEP too, and the filter would match more.
  const unknown = unknownFields(filter, FILTER_FIELDS);
  if (unknown.length > 0) {
    throw new Unmappable(`trafficFilter[${index}] has ${unknown.slice(0, 3).map(shown).join(', ')}${unknown.length > 3 ? ` and ${unknown.length - 3} more` : ''}, not a filter field (${FILTER_FIELDS.join(', ')}); without it the filter would match more traffic`);
  }
  const out: TrafficFilter = {};
  const lists: Array<[ListField, number, (value: string, name: string) => string]> = [
    ['srcAddress', 16, ipOrCidr], ['dstAddress', 16, ipOrCidr],
    ['srcPort', 16, port], ['dstPort', 16, port],
    ['protocol', 8, protocol], ['tag', 8, (value, name) => tag(token(value, name, 63), name)],
    ['srcTunnelAddress', 8, ip], ['tgtTunnelAddress', 8, ip],
    ['srcTunnelPort', 8, port], ['dstTunnelPort', 8, port],
  ];
  for (const [name, max, check] of lists) {
    const values = asList(field(filter, name)).map((item) => scalar(item, at(name))).filter((item): item is string => item !== undefined);
    if (values.length === 0) continue;
    if (values.length > max) throw new Unmappable(`${at(name)} has ${values.length} entries; at most ${max}`);
    out[name] = values.map((value) => check(value, at(name)));
  }
  const qCI = integer(field(filter, 'qCI'), at('qCI'), 1, 255);
  const dSCP = integer(field(filter, 'dSCP'), at('dSCP'), 0, 63);
  const tC = integer(field(filter, 'tC'), at('tC'), 0, 255);
  if (qCI !== undefined) out.qCI = qCI;
  if (dSCP !== undefined) out.dSCP = dSCP;
  if (tC !== undefined) out.tC = tC;
  return out;
}

function destinationInterface(raw: unknown, index: number, warn: (text: string) => void): DestinationInterface {
  const at = (name: string) => `dstInterface[${index}].${name}`;
  const iface = object(raw, `dstInterface[${index}]`);
  warnUnknown(iface, ['interfaceType', 'tunnelInfo', 'srcMacAddress', 'dstMacAddress', 'dstIpAddress'], (text) => warn(`dstInterface[${index}]: ${text}`));
  const interfaceType = optionalEnum(field(iface, 'interfaceType'), ['TUNNEL', 'MAC', 'IP'], at('interfaceType'));
  if (interfaceType === undefined) throw new Unmappable(`${at('interfaceType')} is missing (TUNNEL, MAC or IP)`);
  const out: DestinationInterface = { interfaceType };
  const tunnel = field(iface, 'tunnelInfo');
  if (!isAbsent(tunnel)) {
    const info = object(tunnel, at('tunnelInfo'));
    const typeText = scalar(field(info, 'tunnelType'), at('tunnelInfo.tunnelType'));
    const tunnelType = optionalEnum(typeText?.replace(/^GTP-?U$/i, 'GTP_U'), ['GTP_U', 'GRE'], at('tunnelInfo.tunnelType'));
    if (tunnelType === undefined) throw new Unmappable(`${at('tunnelInfo.tunnelType')} is missing (GTP_U or GRE)`);
    out.tunnelInfo = { tunnelType };
    const dst = scalar(field(info, 'tunnelDstAddress'), at('tunnelInfo.tunnelDstAddress'));
    const src = scalar(field(info, 'tunnelSrcAddress'), at('tunnelInfo.tunnelSrcAddress'));
    const data = scalar(field(info, 'tunnelSpecificData'), at('tunnelInfo.tunnelSpecificData'));
    if (dst !== undefined) out.tunnelInfo.tunnelDstAddress = ip(dst, at('tunnelInfo.tunnelDstAddress'));
    if (src !== undefined) out.tunnelInfo.tunnelSrcAddress = ip(src, at('tunnelInfo.tunnelSrcAddress'));
    if (data !== undefined) {
      if (data.length > 1024) throw new Unmappable(`${at('tunnelInfo.tunnelSpecificData')} is longer than 1024 characters`);
      out.tunnelInfo.tunnelSpecificData = data;
    }
  }
  for (const name of ['srcMacAddress', 'dstMacAddress'] as const) {
    const mac = scalar(field(iface, name), at(name));
    if (mac === undefined) continue;
    if (!MAC.test(mac)) throw new Unmappable(`${at(name)} ${shown(mac)} is not a MAC address (six hex pairs separated by ':' or '-')`);
    out[name] = mac;
  }
  const dstIp = scalar(field(iface, 'dstIpAddress'), at('dstIpAddress'));
  if (dstIp !== undefined) out.dstIpAddress = ip(dstIp, at('dstIpAddress'));
  if (interfaceType === 'TUNNEL' && out.tunnelInfo === undefined) throw new Unmappable(`${at('interfaceType')} TUNNEL without tunnelInfo`);
  if (interfaceType === 'MAC' && out.dstMacAddress === undefined) throw new Unmappable(`${at('interfaceType')} MAC without dstMacAddress`);
  if (interfaceType === 'IP' && out.dstIpAddress === undefined) throw new Unmappable(`${at('interfaceType')} IP without dstIpAddress`);
  return out;
}

function dnsRule(raw: unknown, warn: (text: string) => void): DnsRule {
  const rule = object(raw, 'the rule');
  warnUnknown(rule, ['dnsRuleId', 'domainName', 'ipAddressType', 'ipAddress', 'ttl', 'state'], warn);
  const dnsRuleId = ruleId(field(rule, 'dnsRuleId'), 'dnsRuleId');
  const domainName = scalar(field(rule, 'domainName'), 'domainName');
  if (domainName === undefined) throw new Unmappable('no domainName');
  if (domainName.length > 255 || !DOMAIN.test(domainName)) throw new Unmappable(`domainName ${shown(domainName)} is not a domain name`);
  const address = scalar(field(rule, 'ipAddress'), 'ipAddress');
  if (address === undefined) throw new Unmappable('no ipAddress');
  const ipAddress = ip(address, 'ipAddress');
  const family = isIP(ipAddress) === 4 ? 'IP_V4' : 'IP_V6';
  const typeText = scalar(field(rule, 'ipAddressType'), 'ipAddressType');
  const ipAddressType = typeText === undefined ? family
    : optionalEnum(typeText.replace(/^IP_?V?([46])$/i, 'IP_V$1'), ['IP_V4', 'IP_V6'], 'ipAddressType') ?? family;
  if (ipAddressType !== family) throw new Unmappable(`ipAddressType ${ipAddressType} does not match ipAddress ${ipAddress}`);
  const out: DnsRule = { dnsRuleId, domainName, ipAddressType, ipAddress };
  const ttl = integer(field(rule, 'ttl'), 'ttl', 0, 2147483647);
  if (ttl !== undefined) out.ttl = ttl;
  const state = optionalEnum(field(rule, 'state'), ['ACTIVE', 'INACTIVE'], 'state');
  if (state !== undefined) out.state = state;
  return out;
}

// ---- value helpers: each returns the CRD form or throws Unmappable --------------------------

function isObject(value: unknown): value is RawObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Absent, or written as nothing: YAML's failsafe schema turns `~` and `null` into strings. */
function isAbsent(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && ['', '~', 'null', 'Null', 'NULL'].includes(value.trim()));
}

function object(value: unknown, name: string): RawObject {
  if (!isObject(value)) throw new Unmappable(`${name} is not a mapping`);
  return value;
}

/** A value that should be a list: absent → [], a single item → [item]. */
function asList(value: unknown): unknown[] {
  if (isAbsent(value)) return [];
  return Array.isArray(value) ? value : [value];
}

/** A field by name, matched case-insensitively; the first of `names` that is present wins. */
function field(object: RawObject, ...names: string[]): unknown {
  for (const name of names) {
    if (Object.hasOwn(object, name)) return object[name];
  }
  const wanted = new Set(names.map((name) => name.toLowerCase()));
  for (const [key, value] of Object.entries(object)) {
    if (wanted.has(key.toLowerCase())) return value;
  }
  return undefined;
}

function unknownFields(object: RawObject, known: string[]): string[] {
  const lower = new Set(known.map((name) => name.toLowerCase()));
  return Object.keys(object).filter((key) => !lower.has(key.toLowerCase()));
}

function warnUnknown(object: RawObject, known: string[], warn: (text: string) => void): void {
  for (const key of unknownFields(object, known)) warn(`unknown field ${shown(key)} ignored`);
}

/** A scalar as a string (numbers and booleans as written), undefined when absent. */
function scalar(value: unknown, name: string): string | undefined {
  if (isAbsent(value)) return undefined;
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Unmappable(`${name} is not a single value`);
}

function ruleId(value: unknown, name: string): string {
  const id = scalar(value, name);
  if (id === undefined) throw new Unmappable(`no ${name}`);
  if (id.length > 63 || !RULE_ID.test(id)) {
    throw new Unmappable(`${name} ${shown(id)} is not 1–63 letters, digits, '-', '_' or '.' starting and ending with a letter or digit`);
  }
  return id;
}

function optionalEnum<T extends string>(value: unknown, allowed: readonly T[], name: string): T | undefined {
  const text = scalar(value, name);
  if (text === undefined) return undefined;
  const upper = text.toUpperCase();
  const match = allowed.find((candidate) => candidate === upper);
  if (match === undefined) throw new Unmappable(`${name} ${shown(text)} is not one of ${allowed.join(', ')}`);
  return match;
}

function integer(value: unknown, name: string, min: number, max: number): number | undefined {
  const text = scalar(value, name);
  if (text === undefined) return undefined;
  if (!/^[0-9]{1,10}$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new Unmappable(`${name} ${shown(text)} is not a whole number from ${min} to ${max}`);
  }
  return Number(text);
}

/** An IP address as Kubernetes' CEL isIP() accepts it: no zone, no IPv4-mapped IPv6, no leading zeros. */
function ip(value: string, name: string): string {
  if (value.length > 39 || value.includes('%') || isIP(value) === 0 || (value.includes(':') && value.includes('.'))) {
    throw new Unmappable(`${name} ${shown(value)} is not an IP address`);
  }
  return value;
}

function ipOrCidr(value: string, name: string): string {
  const slash = value.indexOf('/');
  const address = slash < 0 ? value : value.slice(0, slash);
  const prefix = slash < 0 ? undefined : value.slice(slash + 1);
  const family = address.length <= 39 && !address.includes('%') && !(address.includes(':') && address.includes('.')) ? isIP(address) : 0;
  const bits = family === 4 ? 32 : 128;
  if (family === 0 || (prefix !== undefined && (!/^(0|[1-9][0-9]{0,2})$/.test(prefix) || Number(prefix) > bits))) {
    throw new Unmappable(`${name} ${shown(value)} is not an IP address or CIDR`);
  }
  return value;
}

function port(value: string, name: string): string {
  if (!/^[0-9]{1,5}$/.test(value) || Number(value) > 65535) {
    throw new Unmappable(`${name} ${shown(value)} is not a port number (0–65535; ranges are not supported)`);
  }
  return value;
}

function token(value: string, name: string, maxLength: number): string {
  if (value.length > maxLength) throw new Unmappable(`${name} ${shown(value)} is longer than ${maxLength} characters`);
  return value;
}

function protocol(value: string, name: string): string {
  if (!PROTOCOL.test(value)) {
    throw new Unmappable(`${name} ${shown(value)} is not a protocol keyword or number (e.g. TCP, UDP, SCTP, ANY, or 0–255)`);
  }
  return value;
}

function tag(value: string, name: string): string {
  if (!TAG.test(value)) throw new Unmappable(`${name} ${shown(value)} is not a tag (letters and digits, with - _ . only inside)`);
  return value;
}

/** A value quoted for a message, cut so that a hostile APPD cannot blow up a condition. */
function shown(value: string): string {
  return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
}

/** The id a rule is written with, for messages; undefined when it has none that reads as one. */
function ruleIdOf(raw: unknown): string | undefined {
  if (!isObject(raw)) return undefined;
  const id = field(raw, 'trafficRuleId', 'dnsRuleId');
  if (typeof id !== 'string' && typeof id !== 'number') return undefined;
  const text = String(id).trim().slice(0, 63);
  return text === '' ? undefined : text;
}
