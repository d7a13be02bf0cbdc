/**
 * Which EdgeHosts run a deployment, as a pure function of the hosts, the placement, the Tenant
 * and what was picked before:
 *
 *   named or selected, not being deleted
 *     ─► edge namespace from the template is a valid name ──────── else InvalidEdgeNamespace
 *     ─► offers the required affinity, hardware, architectures ─── else RequirementsNotMet
 *     ─► the Tenant grants the host and the edge namespace ─────── else NotPermitted
 *     ─► has the spread label (when spreading) ─────────────────── else RequirementsNotMet
 *   ranked: hosts picked before first, then by rendezvous hash of (deployment UID, host)
 *     ─► one per value of the spread label ─────────────────────── else SpreadTaken
 *     ─► at most maxHosts ──────────────────────────────────────── else OverMaxHosts
 *
 * Stable: a host that joins only takes a free place (or a better rank among new candidates);
 * it never displaces a host that was picked before and still qualifies.
 */
import type { AppDeploymentPlacement, ExcludedHost } from '../../api/appdeployment.js';
import type { EdgeHostSpec } from '../../api/edgehost.js';
import { matchesSelector } from '../../runtime/selector.js';
import { edgeNamespaceVerdict, hostVerdict, type Governance } from '../../tenancy/governance.js';
import { firstRefusal } from '../../tenancy/verdict.js';
import { edgeNamespaceFor, rendezvousRank } from './names.js';

/** What placement reads of an EdgeHost. */
export interface HostView {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly affinity: readonly string[];
  readonly hardware: NonNullable<EdgeHostSpec['hardwareCapabilities']>;
  readonly deleting: boolean;
}

export interface PlacementInput {
  readonly deploymentUid: string;
  readonly placement: AppDeploymentPlacement;
  readonly edgeNamespaceTemplate: string;
  /** Image architectures of the package (AppPackage status.images), required as affinity labels. */
  readonly architectures: readonly string[];
  readonly hosts: readonly HostView[];
  /** Hosts picked before (status.hosts and the owned instances): kept while they qualify. */
  readonly previous: ReadonlySet<string>;
  readonly governance: Governance;
}

/** A chosen host and the edge namespace its instance uses. */
export interface PlacedHost {
  readonly name: string;
  readonly edgeNamespace: string;
}

export interface Placement {
  /** In rank order: the order waves take them in. */
  readonly selected: readonly PlacedHost[];
  /** Named or selected but not used, by host name. */
  readonly excluded: readonly ExcludedHost[];
}

export function place(input: PlacementInput): Placement {
  const { placement } = input;
  const named = new Set(placement.hostNames ?? []);
  const candidates = input.hosts
    .filter((h) => !h.deleting && (named.has(h.name) || (placement.hostSelector !== undefined && matchesSelector(h.labels, placement.hostSelector))))
    .sort((a, b) => compare(a.name, b.name));
  const excluded: ExcludedHost[] = [];
  const qualified: PlacedHost[] = [];
  const spreadKey = placement.spreadByLabel;
  for (const host of candidates) {
    const edgeNamespace = edgeNamespaceFor(input.edgeNamespaceTemplate, host.name);
    if (!edgeNamespace) {
      excluded.push({ name: host.name, reason: 'InvalidEdgeNamespace', message: `${input.edgeNamespaceTemplate} with {host}=${host.name} is not an RFC 1123 label of at most 63 characters` });
      continue;
    }
    const unmet = unmetRequirements(host, input);
    if (unmet.length) {
      excluded.push({ name: host.name, reason: 'RequirementsNotMet', message: `the host lacks ${unmet.join(', ')}` });
      continue;
    }
    const verdict = firstRefusal(hostVerdict(input.governance, { name: host.name, labels: host.labels }), edgeNamespaceVerdict(input.governance, edgeNamespace));
    if (!verdict.ok) {
      excluded.push({ name: host.name, reason: 'NotPermitted', message: verdict.message });
      continue;
    }
    if (spreadKey !== undefined && !Object.hasOwn(host.labels, spreadKey)) {
      excluded.push({ name: host.name, reason: 'RequirementsNotMet', message: `the host has no label ${spreadKey} to spread by` });
      continue;
    }
    qualified.push({ name: host.name, edgeNamespace });
  }
  const byName = new Map(candidates.map((h) => [h.name, h]));
  const rank = (h: PlacedHost) => rendezvousRank(input.deploymentUid, h.name);
  const ranked = qualified.sort((a, b) => Number(input.previous.has(b.name)) - Number(input.previous.has(a.name)) || compare(rank(a), rank(b)));
  const selected: PlacedHost[] = [];
  const zones = new Map<string, string>();
  for (const host of ranked) {
    if (spreadKey !== undefined) {
      const value = byName.get(host.name)!.labels[spreadKey]!;
      const holder = zones.get(value);
      if (holder !== undefined) {
        excluded.push({ name: host.name, reason: 'SpreadTaken', message: `${holder} already runs the app for ${spreadKey}=${value}` });
        continue;
      }
      zones.set(value, host.name);
    }
    if (placement.maxHosts !== undefined && selected.length >= placement.maxHosts) {
      excluded.push({ name: host.name, reason: 'OverMaxHosts', message: `placement.maxHosts is ${placement.maxHosts}` });
      continue;
    }
    selected.push(host);
  }
  return { selected, excluded: excluded.sort((a, b) => compare(a.name, b.name)) };
}

/** What the host lacks of the deployment's requirements and the package's architectures. */
function unmetRequirements(host: HostView, input: PlacementInput): string[] {
  const offered = new Set(host.affinity.map((a) => a.toUpperCase()));
  const wanted = [...new Set([...(input.placement.requires?.affinity ?? []), ...input.architectures].map((a) => a.toUpperCase()))];
  const unmet = wanted.filter((a) => !offered.has(a)).map((a) => `affinity ${a}`);
  for (const need of input.placement.requires?.hardware ?? []) {
    const has = host.hardware.some((h) => same(h.type, need.type) && (need.vendor === undefined || same(h.vendor, need.vendor)) && (need.model === undefined || same(h.model, need.model)));
    if (!has) unmet.push(`hardware ${[need.type, need.vendor, need.model].filter(Boolean).join('/')}`);
  }
  return unmet;
}

function same(a: string | undefined, b: string): boolean {
  return a !== undefined && a.toLowerCase() === b.toLowerCase();
}

/** Code-point order, the same on every machine (localeCompare is not). */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
