/**
 * Specs the API server must refuse, each a valid sample with one fault, and the words the
 * refusal must contain. Creates are sent as they are; an update case first creates `original`
 * and then replaces it with `manifest`.
 */
import { build, set, unset, update, type Edit, type Manifest, type SampleKind } from '../fixtures/samples.js';

/** One row of the table. */
export interface InvalidCase {
  readonly name: string;
  readonly kind: SampleKind;
  readonly manifest: Manifest;
  /** For updates: the valid object created first. */
  readonly original?: Manifest;
  /** A substring of the API server's error message. */
  readonly expect: string;
}

function create(name: string, kind: SampleKind, edits: Edit[], expect: string): InvalidCase {
  return { name, kind, manifest: build(kind, ...edits), expect };
}

function change(name: string, kind: SampleKind, edits: Edit[], expect: string): InvalidCase {
  return { name, kind, original: build(kind), manifest: build(kind, ...edits), expect };
}

/** `count` copies of the first list entry at `path`, with ids `<prefix>1…` in `idField`. */
function copies(count: number, idField: string, prefix: string): (current: unknown) => unknown {
  return (current) => {
    const [first] = current as Record<string, unknown>[];
    return Array.from({ length: count }, (_, i) => ({ ...first, [idField]: `${prefix}${i + 1}` }));
  };
}

const ipv4DnsRule = 'spec.appDNSRule.0';
const firstTrafficRule = 'spec.appTrafficRule.0';
const firstInterface = `${firstTrafficRule}.dstInterface.0`;

/** Creates that must be refused. */
export const invalidCreates: readonly InvalidCase[] = [
  // EdgeHost
  create('EdgeHost with an unknown infrastructure type', 'EdgeHost',
    [set('spec.infrastructure.type', 'vmware')],
    'spec.infrastructure.type: Unsupported value: "vmware": supported values: "kubernetes", "openstack"'),
  create('EdgeHost of type kubernetes without a kubeconfig Secret', 'EdgeHost',
    [unset('spec.infrastructure.kubeconfigSecretRef')],
    'spec.infrastructure.kubeconfigSecretRef: Required value: infrastructure type kubernetes needs kubeconfigSecretRef'),
  create('EdgeHost without a repository', 'EdgeHost',
    [unset('spec.repository')],
    'spec.repository: Required value'),
  create('EdgeHost with an ftp:// repository', 'EdgeHost',
    [set('spec.repository.url', 'ftp://registry.example')],
    'spec.repository.url in body should match'),
  create('EdgeHost with an http:// repository not marked insecure', 'EdgeHost',
    [set('spec.repository.url', 'http://registry.example:5000')],
    'spec.repository.insecure: Required value: an http:// repository URL is plain HTTP: set insecure: true'),
  create('EdgeHost at latitude 91', 'EdgeHost',
    [set('spec.location.coordinates.latitude', 91)],
    'spec.location.coordinates.latitude: Invalid value: 91: spec.location.coordinates.latitude in body should be less than or equal to 90'),
  create('EdgeHost whose grace period is shorter than its probe interval', 'EdgeHost',
    [set('spec.probe', { intervalSeconds: 60, unreachableAfterSeconds: 30 })],
    'spec.probe.unreachableAfterSeconds: Invalid value: unreachableAfterSeconds must be at least intervalSeconds'),
  create('EdgeHost with a CA for a plain-HTTP MEP', 'EdgeHost',
    [set('spec.mep.url', 'http://mep.edge-1.mec.example:8080')],
    'spec.mep.caSecretRef: Forbidden: caSecretRef is only used for TLS'),

  // Tenant (names get the run's suffix, -xxxxxx: 33 characters plus it is 40)
  create('Tenant named with 41 characters', 'Tenant',
    [set('metadata.name', 't'.repeat(34))],
    'a Tenant name must be an RFC 1123 label of at most 40 characters'),
  create('Tenant named with a dot', 'Tenant',
    [set('metadata.name', 'team.a')],
    'a Tenant name must be an RFC 1123 label of at most 40 characters (lower-case letters, digits and -), because it names the tenant\'s edge namespaces'),
  create('Tenant with a * inside an edge namespace pattern', 'Tenant',
    [set('spec.edgeNamespaces', ['team-*-web'])],
    'spec.edgeNamespaces[0] in body should match'),
  create('Tenant with an upper-case edge namespace', 'Tenant',
    [set('spec.edgeNamespaces', ['Team-A-*'])],
    'spec.edgeNamespaces[0] in body should match'),
  create('Tenant delivering to a host name instead of a CIDR', 'Tenant',
    [set('spec.mep.deliveryCidrs.1', 'probe.mec.example')],
    'spec.mep.deliveryCidrs[1]: Invalid value: "probe.mec.example": must be a CIDR such as 192.0.2.0/24'),
  create('Tenant answering DNS with a bare address', 'Tenant',
    [set('spec.mep.dnsAnswerCidrs.0', '172.30.2.17')],
    'spec.mep.dnsAnswerCidrs[0]: Invalid value: "172.30.2.17": must be a CIDR such as 192.0.2.0/24 or 2001:db8::/64 (a single address is 192.0.2.10/32)'),
  create('Tenant governing no namespace', 'Tenant',
    [set('spec.namespaces', [])],
    'spec.namespaces: Invalid value: 0: spec.namespaces in body should have at least 1 items'),
  create('Tenant granting an unknown traffic action', 'Tenant',
    [set('spec.mep.trafficActions', ['REDIRECT'])],
    'spec.mep.trafficActions[0]: Unsupported value: "REDIRECT"'),

  // AppPackage
  create('AppPackage with both an appstore and an http source', 'AppPackage',
    [set('spec.source.http', { url: 'https://files.example/etherpad.csar' })],
    'spec.source: Invalid value: source needs exactly one of appstore or http'),
  create('AppPackage with no source', 'AppPackage',
    [set('spec.source', {})],
    'source needs exactly one of appstore or http'),
  create('AppPackage with an upper-case sha256', 'AppPackage',
    [set('spec.sha256', '1F6FD44F4FB2B7DCD0D4A98CC97D60A2FBDE149778A0551FFDDCF5C148CCAB52')],
    "spec.sha256 in body should match '^[a-f0-9]{64}$'"),
  create('AppPackage with a 63-digit sha256', 'AppPackage',
    [set('spec.sha256', '1f6fd44f4fb2b7dcd0d4a98cc97d60a2fbde149778a0551ffddcf5c148ccab5')],
    "spec.sha256 in body should match '^[a-f0-9]{64}$'"),
  create('AppPackage requiring a signature without a trusted CA', 'AppPackage',
    [set('spec.verification.signature', 'Required')],
    'spec.verification.trustedCASecretRef: Required value: signature Required or IfPresent checks the signature against a CA'),
  create('AppPackage with an unknown manifest-hash policy', 'AppPackage',
    [set('spec.verification.manifestHashes', 'Lenient')],
    'spec.verification.manifestHashes: Unsupported value: "Lenient": supported values: "Strict", "Warn", "Skip"'),
  create('AppPackage whose appId would change the appstore URL path', 'AppPackage',
    [set('spec.source.appstore.appId', '../../admin')],
    'spec.source.appstore.appId in body should match'),

  // AppInstance
  create('AppInstance with an upper-case releaseName', 'AppInstance',
    [set('spec.releaseName', 'Etherpad_1')],
    "spec.releaseName in body should match '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$'"),
  create('AppInstance with a 54-character releaseName', 'AppInstance',
    [set('spec.releaseName', 'e'.repeat(54))],
    'spec.releaseName: Too long: may not be more than 53 bytes'),
  create('AppInstance without a hostRef', 'AppInstance',
    [unset('spec.hostRef')],
    'spec.hostRef: Required value'),
  create('AppInstance with desiredState Paused', 'AppInstance',
    [set('spec.desiredState', 'Paused')],
    'spec.desiredState: Unsupported value: "Paused": supported values: "Started", "Stopped"'),
  create('AppInstance retrying 11 times', 'AppInstance',
    [set('spec.remediation.retries', 11)],
    'spec.remediation.retries in body should be less than or equal to 10'),
  create('AppInstance with an IPv6 address in an IP_V4 extra DNS rule', 'AppInstance',
    [set('spec.rules.appDNSRule.0.ipAddress', '2001:db8::18')],
    'spec.rules.appDNSRule[0].ipAddress: Invalid value: ipAddress does not match ipAddressType'),

  // AppRule
  create('AppRule with 17 traffic rules', 'AppRule',
    [update('spec.appTrafficRule', copies(17, 'trafficRuleId', 'rule'))],
    'spec.appTrafficRule: Too many: 17: must have at most 16 items'),
  create('AppRule with 33 DNS rules', 'AppRule',
    [update('spec.appDNSRule', copies(33, 'dnsRuleId', 'dns'))],
    'spec.appDNSRule: Too many: 33: must have at most 32 items'),
  create('AppRule with a bad CIDR in a traffic filter', 'AppRule',
    [set(`${firstTrafficRule}.trafficFilter.0.srcAddress.0`, '10.0.0.0/33')],
    'spec.appTrafficRule[0].trafficFilter[0].srcAddress[0]: Invalid value: "10.0.0.0/33": must be an IP address (192.0.2.10, 2001:db8::10) or a CIDR'),
  create('AppRule with a host name where an address belongs', 'AppRule',
    [set(`${firstTrafficRule}.trafficFilter.0.dstAddress.0`, 'mec.example')],
    'spec.appTrafficRule[0].trafficFilter[0].dstAddress[0]: Invalid value: "mec.example": must be an IP address'),
  create('AppRule with an IPv6 address in an IP_V4 DNS rule', 'AppRule',
    [set(`${ipv4DnsRule}.ipAddress`, '2001:db8:30:2::17')],
    'spec.appDNSRule[0].ipAddress: Invalid value: ipAddress does not match ipAddressType: use an IPv4 address with IP_V4'),
  create('AppRule with a DNS rule address that is no IP', 'AppRule',
    [set(`${ipv4DnsRule}.ipAddress`, '172.30.2.300')],
    'spec.appDNSRule[0].ipAddress: Invalid value: "172.30.2.300": must be an IPv4 or IPv6 address'),
  create('AppRule with a malformed domain name', 'AppRule',
    [set(`${ipv4DnsRule}.domainName`, '-positioning-.org')],
    'spec.appDNSRule[0].domainName in body should match'),
  create('AppRule with priority 0', 'AppRule',
    [set(`${firstTrafficRule}.priority`, 0)],
    'spec.appTrafficRule[0].priority: Invalid value: 0: spec.appTrafficRule[0].priority in body should be greater than or equal to 1'),
  create('AppRule with priority 256', 'AppRule',
    [set(`${firstTrafficRule}.priority`, 256)],
    'spec.appTrafficRule[0].priority in body should be less than or equal to 255'),
  create('AppRule with a duplicate trafficRuleId', 'AppRule',
    [set('spec.appTrafficRule.1.trafficRuleId', 'trafficRule1')],
    'spec.appTrafficRule[1]: Duplicate value: {"trafficRuleId":"trafficRule1"}'),
  create('AppRule with a duplicate dnsRuleId', 'AppRule',
    [set('spec.appDNSRule.1.dnsRuleId', 'dnsRule1')],
    'spec.appDNSRule[1]: Duplicate value'),
  create('AppRule with a TUNNEL interface without tunnelInfo', 'AppRule',
    [unset(`${firstInterface}.tunnelInfo`)],
    'spec.appTrafficRule[0].dstInterface[0].tunnelInfo: Required value: interfaceType TUNNEL needs tunnelInfo'),
  create('AppRule with a MAC interface without dstMacAddress', 'AppRule',
    [set(`${firstInterface}.interfaceType`, 'MAC'), unset(`${firstInterface}.dstMacAddress`)],
    'spec.appTrafficRule[0].dstInterface[0].dstMacAddress: Required value: interfaceType MAC needs dstMacAddress'),
  create('AppRule with an IP interface without dstIpAddress', 'AppRule',
    [set(`${firstInterface}.interfaceType`, 'IP')],
    'spec.appTrafficRule[0].dstInterface[0].dstIpAddress: Required value: interfaceType IP needs dstIpAddress'),
  create('AppRule with 3 destination interfaces', 'AppRule',
    [update(`${firstTrafficRule}.dstInterface`, (current) => {
      const [first] = current as unknown[];
      return [first, first, first];
    })],
    'spec.appTrafficRule[0].dstInterface: Too many: 3: must have at most 2 items'),
  create('AppRule forwarding traffic without a destination interface', 'AppRule',
    [unset(`${firstTrafficRule}.dstInterface`)],
    'spec.appTrafficRule[0].dstInterface: Required value: actions FORWARD_DECAPSULATED, FORWARD_AS_IS, DUPLICATE_DECAPSULATED and DUPLICATE_AS_IS need at least one dstInterface'),
  create('AppRule with a protocol that is not a token', 'AppRule',
    [set(`${firstTrafficRule}.trafficFilter.0.protocol`, ['TCP; rm -rf /'])],
    'spec.appTrafficRule[0].trafficFilter[0].protocol[0]: Invalid value: "TCP; rm -rf /": must be a protocol keyword (ANY, TCP, UDP, SCTP, ICMP, …) or a protocol number from 0 to 255'),
  create('AppRule with protocol number 256', 'AppRule',
    [set(`${firstTrafficRule}.trafficFilter.0.protocol`, ['256'])],
    'must be a protocol keyword'),
  create('AppRule with a tag holding a path', 'AppRule',
    [set(`${firstTrafficRule}.trafficFilter.0.tag`, ['../../admin'])],
    'spec.appTrafficRule[0].trafficFilter[0].tag[0]: Invalid value: "../../admin": must be letters and digits, with - _ . only inside'),
  create('AppRule with port 70000', 'AppRule',
    [set(`${firstTrafficRule}.trafficFilter.0.dstPort.0`, '70000')],
    'spec.appTrafficRule[0].trafficFilter[0].dstPort[0]: Invalid value: "70000": must be a port number from 0 to 65535'),
  create('AppRule with an unknown action', 'AppRule',
    [set(`${firstTrafficRule}.action`, 'REDIRECT')],
    'spec.appTrafficRule[0].action: Unsupported value: "REDIRECT"'),
  create('AppRule with a malformed MAC address', 'AppRule',
    [set(`${firstInterface}.dstMacAddress`, '02:00:00:00:00')],
    'spec.appTrafficRule[0].dstInterface[0].dstMacAddress in body should match'),
  create('AppRule that configures nothing', 'AppRule',
    [unset('spec.appTrafficRule'), unset('spec.appDNSRule'), set('spec.appSupportMp1', false)],
    'spec: Invalid value: the AppRule configures nothing'),
  create('AppRule with a 64-character trafficRuleId', 'AppRule',
    [set(`${firstTrafficRule}.trafficRuleId`, `r${'1'.repeat(63)}`)],
    'spec.appTrafficRule[0].trafficRuleId: Too long: may not be more than 63 bytes'),
  // NotificationSubscription
  create('NotificationSubscription with a callback that is not a URL', 'NotificationSubscription',
    [set('spec.callbackUri', 'appstore.example/notifications')],
    'spec.callbackUri: Invalid value: "appstore.example/notifications": callbackUri must be an absolute https:// (or http://) URL with a host'),
  create('NotificationSubscription with an ftp:// callback', 'NotificationSubscription',
    [set('spec.callbackUri', 'ftp://appstore.example/notifications')],
    'callbackUri must be an absolute https:// (or http://) URL with a host'),
  create('NotificationSubscription for an unknown notification type', 'NotificationSubscription',
    [set('spec.filter.notificationTypes', ['AppInstNotification'])],
    'spec.filter.notificationTypes[0]: Unsupported value: "AppInstNotification": supported values: "AppPkgNotification", "AppLcmOpOccNotification"'),
  create('NotificationSubscription naming a Secret in another namespace', 'NotificationSubscription',
    [set('spec.secretRef.namespace', 'mecm-system')],
    'unknown field "spec.secretRef.namespace"'),
  // AppDeployment
  create('AppDeployment whose edge namespace does not depend on the host', 'AppDeployment',
    [set('spec.template.edgeNamespace', 'team-a-etherpad')],
    'edgeNamespace must contain {host} (e.g. shop-{host}), so that the instances on different hosts'),
  create('AppDeployment with upper-case letters around {host}', 'AppDeployment',
    [set('spec.template.edgeNamespace', 'Shop-{host}')],
    'edgeNamespace must be lower-case letters, digits and - around {host}'),
  create('AppDeployment that places on nothing', 'AppDeployment',
    [unset('spec.placement.hostSelector')],
    'placement needs hostNames or hostSelector'),
  create('AppDeployment with maxUnavailable 0', 'AppDeployment',
    [set('spec.rollout.maxUnavailable', 0)],
    'rollout.maxUnavailable must be a whole number of at least 1 (e.g. 5) or a percentage from 1% to 100%'),
  create('AppDeployment with maxUnavailable 0%', 'AppDeployment',
    [set('spec.rollout.maxUnavailable', '0%')],
    'rollout.maxUnavailable must be a whole number of at least 1'),
  create('AppDeployment with a pause that is not a duration', 'AppDeployment',
    [set('spec.rollout.pauseBetweenWaves', '5 minutes')],
    'spec.rollout.pauseBetweenWaves in body should match'),
];

/** Updates that must be refused: fields that cannot change once the object exists. */
export const invalidUpdates: readonly InvalidCase[] = [
  change('AppDeployment moved to other edge namespaces', 'AppDeployment',
    [set('spec.template.edgeNamespace', 'team-a-pad-{host}')],
    'edgeNamespace cannot change: Helm releases do not move between namespaces'),
  change('AppInstance moved to another host', 'AppInstance',
    [set('spec.hostRef.name', 'edge-2')],
    'spec.hostRef: Invalid value: hostRef cannot change: an instance lives on one edge host'),
  change('AppInstance with a new releaseName', 'AppInstance',
    [set('spec.releaseName', 'etherpad-2')],
    'spec.releaseName: Invalid value: releaseName cannot be set, changed or removed after creation'),
  change('AppInstance losing its releaseName', 'AppInstance',
    [unset('spec.releaseName')],
    'releaseName cannot be set, changed or removed after creation'),
  change('AppInstance given an appInstanceId after creation', 'AppInstance',
    [set('spec.appInstanceId', '4f0e2a6c-0b6a-4d4e-9a53-0d7c2f6f1a11')],
    'spec.appInstanceId: Invalid value: appInstanceId cannot be set, changed or removed after creation'),
  change('AppInstance moved to another edge namespace', 'AppInstance',
    [set('spec.namespace', 'etherpad-2')],
    'spec.namespace: Invalid value: "etherpad-2": namespace cannot change'),
  change('AppRule with a new appInstanceId', 'AppRule',
    [set('spec.appInstanceId', '3c1d2e4f-0000-4000-8000-000000000001')],
    'spec.appInstanceId: Invalid value: "3c1d2e4f-0000-4000-8000-000000000001": appInstanceId cannot change'),
  change('AppRule moved to another host', 'AppRule',
    [set('spec.hostRef.name', 'edge-2')],
    'spec.hostRef: Invalid value: hostRef cannot change'),
];
