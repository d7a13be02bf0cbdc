/**
 * The MEP simulator's model of EdgeGallery mepserver's `AppDConfig` as Go sees it
 * (mepserver/common/models/app_config.go, mepserver/common/extif/dataplane/dataplane_if.go):
 *
 * - decoding like Go's encoding/json: keys matched case-insensitively (the last matching key
 *   wins), unknown keys ignored, `null` leaves the zero value, a value of the wrong JSON type is
 *   an error;
 * - values shaped like the Go structs: every field present, zero values included, nil slices as
 *   `null` — which is how the MEP answers a GET;
 * - validation like go-playground/validator with the struct tags of the real models, reported
 *   the way mepserver reports them: "Invalid value for input on: " followed by " <GoFieldName>"
 *   per failing field (elements of scalar lists as "SrcPort[1]").
 *
 * One deliberate difference: the real tags `dive,max=16` (traffic rules), `dive,max=32` (DNS
 * rules) and `dive,max=2` (dstInterface) sit after `dive` on lists of structs, where the
 * validator version EdgeGallery used ignores them; the simulator enforces these documented
 * limits, failing with the list's field name.
 */
import { isIP } from 'node:net';

export interface GoTunnelInfo { tunnelType: string; tunnelDstAddress: string; tunnelSrcAddress: string }
export interface GoDstInterface {
  interfaceType: string; tunnelInfo: GoTunnelInfo; srcMacAddress: string; dstMacAddress: string; dstIpAddress: string;
}
export interface GoTrafficFilter {
  srcAddress: string[] | null; dstAddress: string[] | null; srcPort: string[] | null; dstPort: string[] | null;
  protocol: string[] | null; tag: string[] | null; srcTunnelAddress: string[] | null; tgtTunnelAddress: string[] | null;
  srcTunnelPort: string[] | null; dstTunnelPort: string[] | null; qCI: number; dSCP: number; tC: number;
}
export interface GoTrafficRule {
  trafficRuleId: string; filterType: string; priority: number; trafficFilter: GoTrafficFilter[] | null;
  action: string; dstInterface: GoDstInterface[] | null; state: string;
}
export interface GoDnsRule { dnsRuleId: string; domainName: string; ipAddressType: string; ipAddress: string; ttl: number; state: string }
/** An app configuration exactly as the MEP stores and answers it. */
export interface GoAppDConfig {
  appTrafficRule: GoTrafficRule[] | null; appDNSRule: GoDnsRule[] | null; appSupportMp1: boolean; appName: string;
}

type GoValue = null | boolean | number | string | GoValue[] | { [key: string]: GoValue };
type Check = (value: GoValue) => boolean;
type TypeSpec = 'string' | 'int' | 'uint32' | 'bool' | { readonly slice: TypeSpec } | { readonly struct: readonly FieldSpec[] };
interface FieldSpec {
  readonly go: string;
  readonly json: string;
  readonly type: TypeSpec;
  readonly omitempty?: boolean;
  readonly required?: boolean;
  /** Checks of the value itself (after omitempty/required). */
  readonly checks?: readonly Check[];
  /** Checks of each element of a list of scalars (`dive,…`). */
  readonly each?: readonly Check[];
}

// --- validator tags -----------------------------------------------------------------------
const runes = (v: GoValue) => (typeof v === 'string' ? [...v].length : 0);
const min = (n: number): Check => (v) => (typeof v === 'number' ? v >= n : runes(v) >= n);
const max = (n: number): Check => (v) => (typeof v === 'number' ? v <= n : runes(v) <= n);
const oneof = (...words: string[]): Check => (v) => typeof v === 'string' && words.includes(v);
const number: Check = (v) => typeof v === 'string' && /^[0-9]+$/.test(v);
const ip: Check = (v) => typeof v === 'string' && !v.includes('%') && isIP(v) !== 0;
const mac: Check = (v) => typeof v === 'string' && (
  /^[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(\1[0-9A-Fa-f]{2}){4}((\1[0-9A-Fa-f]{2}){2}|(\1[0-9A-Fa-f]{2}){14})?$/.test(v)
  || /^[0-9A-Fa-f]{4}(\.[0-9A-Fa-f]{4}){2}((\.[0-9A-Fa-f]{4}){1}|(\.[0-9A-Fa-f]{4}){7})?$/.test(v));
const maxItems = (n: number): Check => (v) => !Array.isArray(v) || v.length <= n;

const state: FieldSpec = { go: 'State', json: 'state', type: 'string', omitempty: true, checks: [oneof('ACTIVE', 'INACTIVE')] };
const strings = (go: string, json: string, ...each: Check[]): FieldSpec => ({ go, json, type: { slice: 'string' }, omitempty: true, each });

const TUNNEL_INFO: readonly FieldSpec[] = [
  { go: 'TunnelType', json: 'tunnelType', type: 'string', omitempty: true, checks: [oneof('GTP_U', 'GRE')] },
  { go: 'TunnelDstAddress', json: 'tunnelDstAddress', type: 'string', omitempty: true, checks: [ip] },
  { go: 'TunnelSrcAddress', json: 'tunnelSrcAddress', type: 'string', omitempty: true, checks: [ip] },
];
const DST_INTERFACE: readonly FieldSpec[] = [
  { go: 'InterfaceType', json: 'interfaceType', type: 'string', omitempty: true, checks: [oneof('TUNNEL', 'MAC', 'IP')] },
  { go: 'TunnelInfo', json: 'tunnelInfo', type: { struct: TUNNEL_INFO } },
  { go: 'SrcMacAddress', json: 'srcMacAddress', type: 'string', omitempty: true, checks: [mac] },
  { go: 'DstMacAddress', json: 'dstMacAddress', type: 'string', omitempty: true, checks: [mac] },
  { go: 'DstIPAddress', json: 'dstIpAddress', type: 'string', omitempty: true, checks: [ip] },
];
const TRAFFIC_FILTER: readonly FieldSpec[] = [
  strings('SrcAddress', 'srcAddress', max(64)),
  strings('DstAddress', 'dstAddress', max(64)),
  strings('SrcPort', 'srcPort', number),
  strings('DstPort', 'dstPort', number),
  strings('Protocol', 'protocol', min(1), max(8)),
  strings('Tag', 'tag', min(1), max(8)),
  strings('SrcTunnelAddress', 'srcTunnelAddress', ip),
  strings('TgtTunnelAddress', 'tgtTunnelAddress', ip),
  strings('SrcTunnelPort', 'srcTunnelPort', number),
  strings('DstTunnelPort', 'dstTunnelPort', number),
  { go: 'QCI', json: 'qCI', type: 'int' },
  { go: 'DSCP', json: 'dSCP', type: 'int' },
  { go: 'TC', json: 'tC', type: 'int' },
];
const TRAFFIC_RULE: readonly FieldSpec[] = [
  { go: 'TrafficRuleID', json: 'trafficRuleId', type: 'string', required: true, checks: [min(1), max(63)] },
  { go: 'FilterType', json: 'filterType', type: 'string', required: true, checks: [oneof('FLOW', 'PACKET')] },
  { go: 'Priority', json: 'priority', type: 'int', required: true, checks: [min(1), max(255)] },
  { go: 'TrafficFilter', json: 'trafficFilter', type: { slice: { struct: TRAFFIC_FILTER } }, required: true },
  { go: 'Action', json: 'action', type: 'string', required: true,
    checks: [oneof('DROP', 'FORWARD_DECAPSULATED', 'FORWARD_AS_IS', 'PASSTHROUGH', 'DUPLICATE_DECAPSULATED', 'DUPLICATE_AS_IS')] },
  { go: 'DstInterface', json: 'dstInterface', type: { slice: { struct: DST_INTERFACE } }, omitempty: true, checks: [maxItems(2)] },
  state,
];
const DNS_RULE: readonly FieldSpec[] = [
  { go: 'DNSRuleID', json: 'dnsRuleId', type: 'string', required: true, checks: [min(1), max(63)] },
  { go: 'DomainName', json: 'domainName', type: 'string', required: true, checks: [min(1), max(255)] },
  { go: 'IPAddressType', json: 'ipAddressType', type: 'string', required: true, checks: [oneof('IP_V4', 'IP_V6', 'IPv4', 'IPv6')] },
  { go: 'IPAddress', json: 'ipAddress', type: 'string', required: true, checks: [ip] },
  { go: 'TTL', json: 'ttl', type: 'uint32', omitempty: true },
  state,
];
const APPD_CONFIG: readonly FieldSpec[] = [
  { go: 'AppTrafficRule', json: 'appTrafficRule', type: { slice: { struct: TRAFFIC_RULE } }, checks: [maxItems(16)] },
  { go: 'AppDNSRule', json: 'appDNSRule', type: { slice: { struct: DNS_RULE } }, checks: [maxItems(32)] },
  { go: 'AppSupportMp1', json: 'appSupportMp1', type: 'bool' },
  { go: 'AppName', json: 'appName', type: 'string', required: true, checks: [min(1), max(63)] },
];

// --- decoding ----------------------------------------------------------------------------

/** A value of the wrong JSON type for its Go field (json.UnmarshalTypeError). */
export class GoTypeError extends Error {}

function zero(type: TypeSpec): GoValue {
  if (type === 'string') return '';
  if (type === 'int' || type === 'uint32') return 0;
  if (type === 'bool') return false;
  if ('slice' in type) return null;
  return decodeStruct(type.struct, {}, '');
}

function decode(type: TypeSpec, value: unknown, path: string): GoValue {
  if (value === null || value === undefined) return zero(type);
  const wrong = () => new GoTypeError(`json: cannot unmarshal ${jsonKind(value)} into Go struct field ${path} of type ${typeName(type)}`);
  if (type === 'string') {
    if (typeof value !== 'string') throw wrong();
    return value;
  }
  if (type === 'int' || type === 'uint32') {
    if (typeof value !== 'number' || !Number.isInteger(value)) throw wrong();
    if (type === 'uint32' ? value < 0 || value > 0xffffffff : Math.abs(value) > 2 ** 63) throw wrong();
    return value;
  }
  if (type === 'bool') {
    if (typeof value !== 'boolean') throw wrong();
    return value;
  }
  if ('slice' in type) {
    if (!Array.isArray(value)) throw wrong();
    return value.map((item) => decode(type.slice, item, path));
  }
  if (typeof value !== 'object' || Array.isArray(value)) throw wrong();
  return decodeStruct(type.struct, value as Record<string, unknown>, path);
}

function decodeStruct(fields: readonly FieldSpec[], input: Record<string, unknown>, path: string): GoValue {
  const out: { [key: string]: GoValue } = {};
  for (const f of fields) out[f.json] = zero(f.type);
  // Go walks the input's keys in order; a later key for the same field overwrites an earlier one.
  for (const [key, value] of Object.entries(input)) {
    const f = fields.find((x) => x.json === key) ?? fields.find((x) => x.json.toLowerCase() === key.toLowerCase());
    if (!f) continue;
    if (value === null) continue; // null leaves the field as it is
    out[f.json] = decode(f.type, value, path ? `${path}.${f.json}` : f.json);
  }
  return out;
}

function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return 'object';
  return typeof value === 'boolean' ? 'bool' : typeof value;
}

function typeName(type: TypeSpec): string {
  if (typeof type === 'string') return type;
  return 'slice' in type ? `[]${typeName(type.slice)}` : 'struct';
}

/**
 * Decodes a parsed JSON object into the Go shape of AppDConfig. Throws GoTypeError when a value
 * has the wrong type (mepserver then answers "unmarshal request body error").
 */
export function decodeAppDConfig(input: Record<string, unknown>): GoAppDConfig {
  return decodeStruct(APPD_CONFIG, input, 'AppDConfig') as unknown as GoAppDConfig;
}

// --- validation --------------------------------------------------------------------------

function isZero(value: GoValue): boolean {
  return value === null || value === '' || value === 0 || value === false;
}

function validateStruct(fields: readonly FieldSpec[], value: GoValue, failed: string[]): void {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return;
  for (const f of fields) {
    const v = value[f.json] ?? null;
    if (typeof f.type === 'object' && 'struct' in f.type) {
      validateStruct(f.type.struct, v, failed);
      continue;
    }
    if (f.omitempty && isZero(v)) continue;
    if (f.required && isZero(v)) { failed.push(f.go); continue; }
    if (f.checks && !f.checks.every((check) => check(v))) { failed.push(f.go); continue; }
    if (Array.isArray(v) && typeof f.type === 'object' && 'slice' in f.type) {
      const elem = f.type.slice;
      v.forEach((item, i) => {
        if (typeof elem === 'object' && 'struct' in elem) validateStruct(elem.struct, item, failed);
        else if (f.each && !f.each.every((check) => check(item))) failed.push(`${f.go}[${i}]`);
      });
    }
  }
}

/** The Go field names that fail validation, in the validator's order; empty when valid. */
export function validateAppDConfig(config: GoAppDConfig): string[] {
  const failed: string[] = [];
  validateStruct(APPD_CONFIG, config as unknown as GoValue, failed);
  return failed;
}

/** mepserver's message for validation failures (note its double space). */
export function validationMessage(fields: readonly string[]): string {
  return `Invalid value for input on: ${fields.map((f) => ` ${f}`).join('')}`;
}

/** A deep copy (the simulator hands out copies so tests cannot change its state by accident). */
export function copyConfig(config: GoAppDConfig): GoAppDConfig {
  return structuredClone(config);
}
