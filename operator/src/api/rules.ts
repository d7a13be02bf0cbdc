/**
 * Schemas of MEC traffic and DNS rules (ETSI MEC 010-2 AppD rules, as EdgeGallery's MEP takes
 * them on /mepcfg/app_lcm/v1/applications/{id}/appd_configuration). Field names are the MEP's
 * canonical spelling so a rule list can be sent as it is stored. Shared by AppRule.spec and
 * AppInstance.spec.rules.
 *
 * Every list a CEL rule iterates over has maxItems and every string it reads has maxLength, so
 * the API server's cost estimate (rules × filters × addresses) stays within its budget.
 */
import { Type, type Static } from 'typebox';
import { cel, enumOf, listMap, type CelRule } from './schema/k8s.js';

/** Longest textual IPv6 address with a prefix, e.g. `ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128`. */
const maxIpOrCidrLength = 43;

const isIp: CelRule = {
  rule: 'isIP(self)',
  message: 'must be an IPv4 or IPv6 address such as 192.0.2.10 or 2001:db8::10',
};

function ipAddress(description: string) {
  return Type.String({ description, minLength: 1, maxLength: 39, ...cel(isIp) });
}

function ipOrCidrList(description: string, maxItems: number) {
  return Type.Array(Type.String({
    description: 'An IPv4 or IPv6 address or CIDR.',
    minLength: 1, maxLength: maxIpOrCidrLength,
    ...cel({
      rule: 'isIP(self) || isCIDR(self)',
      message: 'must be an IP address (192.0.2.10, 2001:db8::10) or a CIDR (192.0.2.0/24, 2001:db8::/32)',
    }),
  }), { description, maxItems });
}

function ipList(description: string, maxItems: number) {
  return Type.Array(ipAddress('An IPv4 or IPv6 address.'), { description, maxItems });
}

function portList(description: string, maxItems: number) {
  // A string, as the MEP takes it; the CEL guard checks the digits before int() could fail.
  return Type.Array(Type.String({
    description: 'A port number from 0 to 65535, as a string.',
    minLength: 1, maxLength: 5,
    ...cel({
      rule: "self.matches('^[0-9]{1,5}$') && int(self) <= 65535",
      message: 'must be a port number from 0 to 65535 written in digits, e.g. "8080"',
    }),
  }), { description, maxItems });
}

/** An IP protocol as the MEP takes it: an IANA keyword (ANY, TCP, UDP, SCTP, ICMP, …) or a number 0–255. */
export const protocolPattern = '^(?:[A-Za-z][A-Za-z0-9-]{0,15}|25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])$';
/** A traffic tag: a short token, nothing a shell, a path or a query could read as syntax. */
export const tagPattern = '^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$';

function tokenList(description: string, itemDescription: string, maxItems: number, maxLength: number, pattern: string, mustBe: string) {
  return Type.Array(Type.String({
    description: itemDescription, minLength: 1, maxLength, ...cel({ rule: `self.matches('${pattern}')`, message: mustBe }),
  }), { description, maxItems });
}

const state = enumOf(['ACTIVE', 'INACTIVE'],
  'ACTIVE rules are enforced by the MEP; INACTIVE ones are kept but not applied. Default ACTIVE.', { default: 'ACTIVE' });

/** Ids of rules are 1–63 characters: the MEP's limit, and what fits a label value. */
function ruleId(description: string) {
  return Type.String({ description, minLength: 1, maxLength: 63, pattern: '^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$' });
}

/** One traffic filter: packets match when they match every list that is given. */
export const TrafficFilter = Type.Object({
  srcAddress: Type.Optional(ipOrCidrList('Source addresses or CIDRs of the user-plane packets.', 16)),
  dstAddress: Type.Optional(ipOrCidrList('Destination addresses or CIDRs of the user-plane packets.', 16)),
  srcPort: Type.Optional(portList('Source ports.', 16)),
  dstPort: Type.Optional(portList('Destination ports.', 16)),
  protocol: Type.Optional(tokenList('IP protocols, e.g. TCP, UDP or ANY.', 'A protocol: an IANA keyword such as ANY, TCP, UDP or SCTP, or a number 0–255.', 8, 16, protocolPattern,
    'must be a protocol keyword (ANY, TCP, UDP, SCTP, ICMP, …) or a protocol number from 0 to 255')),
  tag: Type.Optional(tokenList('Tags for tag-based filtering, as the MEP defines them.', 'A traffic tag: letters, digits, and - _ . inside.', 8, 63, tagPattern,
    'must be letters and digits, with - _ . only inside')),
  srcTunnelAddress: Type.Optional(ipList('Source addresses of the GTP-U/GRE tunnel carrying the packets.', 8)),
  tgtTunnelAddress: Type.Optional(ipList('Target addresses of the tunnel carrying the packets.', 8)),
  srcTunnelPort: Type.Optional(portList('Source ports of the tunnel.', 8)),
  dstTunnelPort: Type.Optional(portList('Destination ports of the tunnel.', 8)),
  qCI: Type.Optional(Type.Integer({ description: 'QoS Class Identifier (3GPP) to match, 1–255.', minimum: 1, maximum: 255 })),
  dSCP: Type.Optional(Type.Integer({ description: 'DSCP value of the IP header to match, 0–63.', minimum: 0, maximum: 63 })),
  tC: Type.Optional(Type.Integer({ description: 'IPv6 traffic class to match, 0–255.', minimum: 0, maximum: 255 })),
}, { description: 'Packet filter; a packet matches when it matches every field that is set.' });

/** Tunnel endpoint of a TUNNEL destination interface. */
export const TunnelInfo = Type.Object({
  tunnelType: enumOf(['GTP_U', 'GRE'], 'Encapsulation of the tunnel.'),
  tunnelDstAddress: Type.Optional(ipAddress('Remote end of the tunnel.')),
  tunnelSrcAddress: Type.Optional(ipAddress('Local end of the tunnel.')),
  tunnelSpecificData: Type.Optional(Type.String({ description: 'Parameters specific to the tunnel type, passed to the MEP as they are.', maxLength: 1024 })),
}, { description: 'Tunnel to send matching traffic through; required when interfaceType is TUNNEL.' });

/** Where forwarded or duplicated traffic goes. */
export const DestinationInterface = Type.Object({
  interfaceType: enumOf(['TUNNEL', 'MAC', 'IP'],
    'How traffic is delivered: TUNNEL needs tunnelInfo, MAC needs dstMacAddress, IP needs dstIpAddress.'),
  tunnelInfo: Type.Optional(TunnelInfo),
  srcMacAddress: Type.Optional(macAddress('Source MAC address to set on delivered frames.')),
  dstMacAddress: Type.Optional(macAddress('Destination MAC address to deliver frames to.')),
  dstIpAddress: Type.Optional(ipAddress('Destination IP address to deliver packets to.')),
}, {
  description: 'A destination interface of the traffic rule.',
  ...cel(
    { rule: "self.interfaceType != 'TUNNEL' || has(self.tunnelInfo)", fieldPath: '.tunnelInfo', reason: 'FieldValueRequired',
      message: 'interfaceType TUNNEL needs tunnelInfo: set tunnelInfo.tunnelType (and the tunnel addresses) or use another interfaceType' },
    { rule: "self.interfaceType != 'MAC' || has(self.dstMacAddress)", fieldPath: '.dstMacAddress', reason: 'FieldValueRequired',
      message: 'interfaceType MAC needs dstMacAddress: set the MAC address to deliver to' },
    { rule: "self.interfaceType != 'IP' || has(self.dstIpAddress)", fieldPath: '.dstIpAddress', reason: 'FieldValueRequired',
      message: 'interfaceType IP needs dstIpAddress: set the IP address to deliver to' },
  ),
});

function macAddress(description: string) {
  return Type.String({
    description: `${description} Six hex pairs separated by ':' or '-'.`,
    pattern: '^[0-9A-Fa-f]{2}([-:][0-9A-Fa-f]{2}){5}$',
  });
}

/** A traffic rule (MEC 010-2 TrafficRuleDescriptor): which packets, and what the MEP does with them. */
export const TrafficRule = Type.Object({
  trafficRuleId: ruleId('Identifier of the rule, unique within the app instance; 1–63 characters.'),
  filterType: enumOf(['FLOW', 'PACKET'], 'FLOW matches on IP flows, PACKET on packet contents such as tunnel headers.'),
  priority: Type.Integer({ description: 'Priority among the rules, 1 (highest) to 255.', minimum: 1, maximum: 255 }),
  trafficFilter: Type.Array(TrafficFilter, {
    description: 'Filters selecting the traffic; a packet matching any one of them is handled by the rule (1–8).',
    minItems: 1, maxItems: 8,
  }),
  action: enumOf(['DROP', 'FORWARD_DECAPSULATED', 'FORWARD_AS_IS', 'PASSTHROUGH', 'DUPLICATE_DECAPSULATED', 'DUPLICATE_AS_IS'],
    'What the MEP does with matching traffic. FORWARD_* and DUPLICATE_* deliver it to dstInterface, which they need.'),
  dstInterface: Type.Optional(Type.Array(DestinationInterface, {
    description: 'Where FORWARD_* and DUPLICATE_* actions deliver traffic: at most 2 interfaces.',
    maxItems: 2,
  })),
  state: Type.Optional(state),
}, {
  description: 'A traffic rule of the app, applied by the MEP on the edge host\'s user plane.',
  ...cel({
    // Actions that send traffic somewhere need somewhere to send it.
    rule: "!(self.action in ['FORWARD_DECAPSULATED', 'FORWARD_AS_IS', 'DUPLICATE_DECAPSULATED', 'DUPLICATE_AS_IS']) || (has(self.dstInterface) && size(self.dstInterface) > 0)",
    fieldPath: '.dstInterface', reason: 'FieldValueRequired',
    message: 'actions FORWARD_DECAPSULATED, FORWARD_AS_IS, DUPLICATE_DECAPSULATED and DUPLICATE_AS_IS need at least one dstInterface saying where the traffic goes',
  }),
});

/** A DNS rule (MEC 010-2 DNSRuleDescriptor): a name the MEP's DNS answers with the app's address. */
export const DnsRule = Type.Object({
  dnsRuleId: ruleId('Identifier of the rule, unique within the app instance; 1–63 characters.'),
  domainName: Type.String({
    description: 'Fully qualified domain name the MEP answers, e.g. positioning.mec.example; at most 255 characters.',
    minLength: 1, maxLength: 255,
    pattern: '^([A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?\\.)*[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?\\.?$',
  }),
  ipAddressType: enumOf(['IP_V4', 'IP_V6'], 'Family of ipAddress: IP_V4 answers A queries, IP_V6 AAAA queries.'),
  ipAddress: ipAddress('Address the domain name resolves to; its family must match ipAddressType.'),
  ttl: Type.Optional(Type.Integer({ description: 'Time to live of the answer in seconds.', format: 'int32', minimum: 0, maximum: 2147483647 })),
  state: Type.Optional(state),
}, {
  description: 'A DNS rule of the app, answered by the MEP\'s DNS server on the edge host.',
  ...cel({
    // Only judged when ipAddress is an IP at all; the field's own rule reports that case.
    rule: "!isIP(self.ipAddress) || ip(self.ipAddress).family() == (self.ipAddressType == 'IP_V4' ? 4 : 6)",
    fieldPath: '.ipAddress',
    message: 'ipAddress does not match ipAddressType: use an IPv4 address with IP_V4 and an IPv6 address with IP_V6',
  }),
});

/** The most traffic rules one app instance may have (EdgeGallery MEP limit). */
export const MAX_TRAFFIC_RULES = 16;

/** The most DNS rules one app instance may have (EdgeGallery MEP limit). */
export const MAX_DNS_RULES = 32;

/** A list of traffic rules keyed by trafficRuleId (duplicates refused), at most 16. */
export function trafficRuleList(description: string) {
  return Type.Array(TrafficRule, { description, maxItems: MAX_TRAFFIC_RULES, ...listMap('trafficRuleId') });
}

/** A list of DNS rules keyed by dnsRuleId (duplicates refused), at most 32. */
export function dnsRuleList(description: string) {
  return Type.Array(DnsRule, { description, maxItems: MAX_DNS_RULES, ...listMap('dnsRuleId') });
}

/** A traffic rule as stored in a spec; an absent `state` means ACTIVE. */
export type TrafficRule = Static<typeof TrafficRule>;

/** A DNS rule as stored in a spec. */
export type DnsRule = Static<typeof DnsRule>;

/** One entry of a traffic rule's trafficFilter. */
export type TrafficFilter = Static<typeof TrafficFilter>;

/** One entry of a traffic rule's dstInterface. */
export type DestinationInterface = Static<typeof DestinationInterface>;
