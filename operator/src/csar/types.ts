/** The parsed package as openCsar returns it. Plain data: safe to log (no secrets) and to copy into status. */
import type { DnsRule, TrafficRule } from '../api/rules.js';

/** A value read from YAML or JSON. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** App metadata, from the manifest's `metadata:` block with APPD fallbacks. */
export interface AppMetadata {
  name: string;
  provider: string;
  version: string;
  class: 'container' | 'vm';
  type?: string;
  description?: string;
  /** As the package wrote it (EdgeGallery: `2021-03-24 16:24`, no zone), not parsed. */
  releaseTime?: string;
}

/** One `Source:`/`Algorithm:`/`Hash:` record of the manifest. */
export interface ManifestFile {
  source: string;
  algorithm: string;
  hash: string;
}

/** The manifest: per-file digests and the optional CMS signature over the rest of it. */
export interface Manifest {
  /** Path of the manifest in the package, e.g. `etherpad.mf`. */
  path: string;
  /** Keys of the `metadata:` block as written. */
  metadata: Record<string, string>;
  files: ManifestFile[];
  /** The `-----BEGIN CMS-----` … `-----END CMS-----` block, PEM, when the manifest is signed. */
  signature?: string;
  /** The manifest text before the signature block: what the signature covers. Set with `signature`. */
  signedContent?: string;
}

/** A service the app consumes (required or optional), as the APPD declares it. */
export interface ServiceDependency {
  serName: string;
  version?: string;
  requestedPermissions?: boolean;
  appId?: string;
  packageId?: string;
}

/** A service the app offers, with the rules that expose it. */
export interface ServiceProduced {
  serName: string;
  version?: string;
  dnsRuleIdList: string[];
  trafficRuleIdList: string[];
}

/** A `topology_template.inputs` parameter. */
export interface AppdInput {
  type?: string;
  default?: JsonValue;
  description?: string;
}

/** Resources of the app's VDUs, summed. */
export interface ComputeRequirements {
  cpu?: number;
  memoryMiB?: number;
  storageGiB?: number;
}

/** How the APPD was found: `directory` (a YAML file in the package), `zip` (Entry-Definitions names a zip), `zipFallback` (Entry-Definitions names a missing path; an `APPD/*.zip` was used). */
export type AppdLayout = 'directory' | 'zip' | 'zipFallback';

/**
 * An APPD rule that is not in `Appd.trafficRules`/`dnsRules`: it could not be mapped faithfully
 * (a bad address, port, protocol or enum, a forwarding action with nowhere to forward, an
 * unknown filter field), its id repeats an earlier rule's, or it is past the MEP's limit.
 * Plain data, safe to show: the AppPackage's RulesValid condition lists these.
 */
export interface RuleProblem {
  kind: 'traffic' | 'dns';
  /** Position in the APPD's `appTrafficRule`/`appDNSRule` list, from 0. */
  index: number;
  /** The rule's id as written (at most 63 characters), or `appTrafficRule[3]` when it has none that can be read. */
  ruleId: string;
  /** Why it was left out, e.g. `action "REDIRECT" is not one of DROP, FORWARD_DECAPSULATED, …`. */
  problem: string;
}

/** What the APPD says, rules normalised to the CRD shape. */
export interface Appd {
  /** Entry of the package the APPD came from (a YAML file or a zip): what the manifest must hash. */
  source: string;
  /** Display path of the YAML, with `!` between nested archives, e.g. `APPD/APPD.zip!Definition/MainServiceTemplate.yaml`. */
  path: string;
  layout: AppdLayout;
  appName?: string;
  appSupportMp1?: boolean;
  trafficRules: TrafficRule[];
  dnsRules: DnsRule[];
  /**
   * The APPD's rules that are in neither list, each with why; empty when every rule it declares
   * was mapped. Declared = mapped + these. See `judgeRules` for the verdict on them.
   */
  ruleProblems: RuleProblem[];
  servicesRequired: ServiceDependency[];
  servicesProduced: ServiceProduced[];
  servicesOptional: ServiceDependency[];
  inputs: Record<string, AppdInput>;
  compute?: ComputeRequirements;
}

/** An entry of `Image/SwImageDesc.json`. */
export interface SwImage {
  id?: string;
  name: string;
  version?: string;
  /** Where the image is: a registry reference for containers, a path or URL for VMs. */
  swImage: string;
  architecture?: string;
  checksum?: string;
  containerFormat?: string;
  diskFormat?: string;
  minDisk?: number;
  minRam?: number;
  size?: number;
  operatingSystem?: string;
  supportedVirtualisationEnvironment?: string;
}

/** A Helm chart of the package, copied into the work dir. */
export interface Chart {
  /** The .tgz in the work dir. */
  path: string;
  /** Entry of the package it came from. */
  source: string;
  /** From Chart.yaml inside the tarball. */
  name: string;
  version: string;
  /** Hex SHA-256 of the .tgz. */
  sha256: string;
}

/** Result of checking one manifest record against the package. */
export type HashStatus = 'ok' | 'mismatch' | 'missing' | 'unsupportedAlgorithm';

/** A verified-or-not manifest record. */
export interface HashCheck {
  source: string;
  status: HashStatus;
}

/** A package opened by openCsar. The caller owns `workDir` and removes it when done. */
export interface CsarPackage {
  /** Directory under the scratch dir holding the extracted charts (and nested APPD archives). */
  workDir: string;
  app: AppMetadata;
  manifest: Manifest;
  appd: Appd;
  images: SwImage[];
  charts: Chart[];
  hashes: HashCheck[];
  /**
   * Every regular file of the package (directories left out), relative to the package root,
   * sorted: what a manifest that covers the whole package must list.
   */
  entries: string[];
  /** Files that belong to the manifest's signature and need no hash record: its certificate (`<manifest>.cert`, or TOSCA.meta's ETSI-Entry-Certificate) and a detached `<manifest>.cms`. */
  signatureFiles: string[];
  /**
   * The folder the package was zipped in (`etherpad/`) when every entry of the zip is under one
   * top-level folder and it has no TOSCA.meta of its own; '' otherwise. All paths above are
   * relative to the package root, i.e. without it.
   */
  root: string;
  /** Things read leniently or dropped (e.g. rules that could not be mapped); safe to show to users. */
  warnings: string[];
}
