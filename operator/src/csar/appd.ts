/**
 * What an APPD (TOSCA simple profile YAML, as EdgeGallery writes it) says about the app: its
 * configuration node (services, rules, Mp1), its VDUs' compute needs, its inputs, and the
 * VNF node's product data used as fallbacks for the manifest metadata. Pure: takes the parsed
 * tree, never reads files.
 */
import { CsarError } from './errors.js';
import { normaliseRules } from './rules.js';
import type { AppdInput, ComputeRequirements, JsonValue, ServiceDependency, ServiceProduced, Appd } from './types.js';

/** The APPD's content; where it came from is added by the caller. */
export type AppdContent = Omit<Appd, 'source' | 'path' | 'layout'>;

/** Product data of the APPD that can stand in for missing manifest metadata. */
export interface AppdProduct {
  name?: string;
  provider?: string;
  version?: string;
  description?: string;
  /** True when a VDU names a software image (sw_image_data): a hint of a VM app when the package has no chart. */
  hasVduImages: boolean;
  /** `app_class`/`appClass` as the APPD writes it (metadata, VNF node or app configuration), lower-cased. */
  declaredClass?: string;
}

/** parseAppd's result. */
export interface ParsedAppd {
  appd: AppdContent;
  product: AppdProduct;
  warnings: string[];
}

type Tree = { [key: string]: JsonValue };

const APP_CONFIGURATION = 'tosca.nodes.nfv.app.configuration';
const VDU_COMPUTE = 'tosca.nodes.nfv.vdu.compute';
const VNF = 'tosca.nodes.nfv.vnf';

/**
 * Reads an APPD tree (from loadYaml) found at `what`; throws CsarError('AppdInvalid') when it
 * is not a mapping with a `topology_template` mapping. Everything else is lenient: what cannot
 * be read is left out and reported in `warnings`.
 */
export function parseAppd(doc: JsonValue, what: string): ParsedAppd {
  if (!isTree(doc)) throw new CsarError('AppdInvalid', `${what} is not a YAML mapping; it must be a TOSCA service template`);
  const topology = doc['topology_template'];
  if (!isTree(topology)) {
    throw new CsarError('AppdInvalid', `${what} has no topology_template mapping; it must be a TOSCA service template with node_templates`);
  }
  const warnings: string[] = [];
  const nodes = isTree(topology['node_templates']) ? topology['node_templates'] : {};
  const byType = (type: string) => Object.entries(nodes).filter(([, node]) => isTree(node) && text(node['type'])?.toLowerCase() === type);

  const appd: AppdContent = {
    trafficRules: [], dnsRules: [], ruleProblems: [], servicesRequired: [], servicesProduced: [], servicesOptional: [],
    inputs: readInputs(topology['inputs'], warnings),
  };
  const configurations = byType(APP_CONFIGURATION);
  if (configurations.length > 1) warnings.push(`${what} has ${configurations.length} ${APP_CONFIGURATION} nodes; only ${configurations[0]?.[0]} is read`);
  const configuration = configurations[0]?.[1];
  const properties = isTree(configuration) && isTree(configuration['properties']) ? configuration['properties'] : undefined;
  if (properties !== undefined) {
    const appName = text(field(properties, 'appName'));
    if (appName !== undefined) appd.appName = appName;
    const mp1 = bool(field(properties, 'appSupportMp1'), 'appSupportMp1', warnings);
    if (mp1 !== undefined) appd.appSupportMp1 = mp1;
    appd.servicesRequired = readDependencies(field(properties, 'appServiceRequired'), 'appServiceRequired', warnings);
    appd.servicesOptional = readDependencies(field(properties, 'appServiceOptional'), 'appServiceOptional', warnings);
    appd.servicesProduced = readProduced(field(properties, 'appServiceProduced'), warnings);
    const rules = normaliseRules(properties);
    appd.trafficRules = rules.trafficRules;
    appd.dnsRules = rules.dnsRules;
    appd.ruleProblems = rules.problems;
    warnings.push(...rules.warnings);
  }
  const vdus = byType(VDU_COMPUTE).map(([, node]) => node as Tree);
  const compute = readCompute(vdus, warnings);
  if (compute !== undefined) appd.compute = compute;

  const vnf = byType(VNF)[0]?.[1];
  const vnfProperties = isTree(vnf) && isTree(vnf['properties']) ? vnf['properties'] : {};
  const metadata = isTree(doc['metadata']) ? doc['metadata'] : {};
  const product: AppdProduct = { hasVduImages: vdus.some((vdu) => isTree(vdu['properties']) && vdu['properties']['sw_image_data'] !== undefined) };
  const name = appd.appName ?? text(metadata['vnfd_name']) ?? text(vnfProperties['product_name']);
  const provider = text(vnfProperties['provider']) ?? text(metadata['template_author']);
  const version = text(vnfProperties['software_version']) ?? text(metadata['vnfd_version']);
  const description = text(doc['description']);
  if (name !== undefined) product.name = name;
  if (provider !== undefined) product.provider = provider;
  if (version !== undefined) product.version = version;
  if (description !== undefined) product.description = description;
  const declaredClass = [metadata, vnfProperties, properties ?? {}].map((tree) => text(field(tree, 'app_class') ?? field(tree, 'appClass'))).find((value) => value !== undefined);
  if (declaredClass !== undefined) product.declaredClass = declaredClass.toLowerCase();
  return { appd, product, warnings };
}

function readInputs(raw: JsonValue | undefined, warnings: string[]): Record<string, AppdInput> {
  const inputs: Record<string, AppdInput> = {};
  if (!isTree(raw)) return inputs;
  for (const [name, definition] of Object.entries(raw)) {
    if (!isTree(definition)) {
      warnings.push(`input ${JSON.stringify(name)} is not a mapping; left out`);
      continue;
    }
    const input: AppdInput = {};
    const type = text(definition['type']);
    const description = text(definition['description']);
    if (type !== undefined) input.type = type;
    if (definition['default'] !== undefined && definition['default'] !== null) input.default = definition['default'];
    if (description !== undefined) input.description = description;
    Object.defineProperty(inputs, name, { value: input, enumerable: true, writable: true, configurable: true });
  }
  return inputs;
}

function readDependencies(raw: JsonValue | undefined, list: string, warnings: string[]): ServiceDependency[] {
  return items(raw, list, warnings).map(({ item, label }) => {
    const dependency: ServiceDependency = { serName: item.serName };
    const version = text(item.raw['version']);
    const permissions = bool(item.raw['requestedPermissions'], `${label}.requestedPermissions`, warnings);
    const appId = text(item.raw['appId']);
    const packageId = text(item.raw['packageId']);
    if (version !== undefined) dependency.version = version;
    if (permissions !== undefined) dependency.requestedPermissions = permissions;
    if (appId !== undefined) dependency.appId = appId;
    if (packageId !== undefined) dependency.packageId = packageId;
    return dependency;
  });
}

function readProduced(raw: JsonValue | undefined, warnings: string[]): ServiceProduced[] {
  return items(raw, 'appServiceProduced', warnings).map(({ item }) => {
    const produced: ServiceProduced = {
      serName: item.serName,
      dnsRuleIdList: textList(item.raw['dnsRuleIdList']),
      trafficRuleIdList: textList(item.raw['trafficRuleIdList']),
    };
    const version = text(item.raw['version']);
    if (version !== undefined) produced.version = version;
    return produced;
  });
}

/** The mappings of a service list that have a serName; the others are reported. */
function items(raw: JsonValue | undefined, list: string, warnings: string[]): Array<{ item: { serName: string; raw: Tree }; label: string }> {
  const out: Array<{ item: { serName: string; raw: Tree }; label: string }> = [];
  listOf(raw).forEach((entry, index) => {
    const label = `${list}[${index}]`;
    const serName = isTree(entry) ? text(entry['serName']) : undefined;
    if (!isTree(entry) || serName === undefined) {
      warnings.push(`${label} has no serName; left out`);
      return;
    }
    out.push({ item: { serName, raw: entry }, label });
  });
  return out;
}

/** Sums cpu, memory and storage over the VDUs. */
function readCompute(vdus: Tree[], warnings: string[]): ComputeRequirements | undefined {
  const total: ComputeRequirements = {};
  const add = (key: keyof ComputeRequirements, value: number | undefined) => {
    if (value !== undefined) total[key] = (total[key] ?? 0) + value;
  };
  for (const vdu of vdus) {
    const capabilities = isTree(vdu['capabilities']) ? vdu['capabilities'] : {};
    const virtualCompute = isTree(capabilities['virtual_compute']) ? capabilities['virtual_compute'] : {};
    const properties = isTree(virtualCompute['properties']) ? virtualCompute['properties'] : {};
    const cpu = isTree(properties['virtual_cpu']) ? properties['virtual_cpu']['num_virtual_cpu'] : undefined;
    const memory = isTree(properties['virtual_memory']) ? properties['virtual_memory']['virtual_mem_size'] : undefined;
    // SOL001 makes virtual_local_storage a list; EdgeGallery writes a single mapping.
    const storage = listOf(properties['virtual_local_storage']).map((item) => (isTree(item) ? item['size_of_storage'] : undefined));
    add('cpu', size(cpu, 'num_virtual_cpu', 1, warnings));
    add('memoryMiB', size(memory, 'virtual_mem_size', 2 ** 20, warnings));
    for (const each of storage) add('storageGiB', size(each, 'size_of_storage', 2 ** 30, warnings));
  }
  return Object.keys(total).length > 0 ? total : undefined;
}

const UNITS: Record<string, number> = {
  b: 1, kb: 2 ** 10, kib: 2 ** 10, mb: 2 ** 20, mib: 2 ** 20, gb: 2 ** 30, gib: 2 ** 30, tb: 2 ** 40, tib: 2 ** 40,
};

/**
 * A size in `unit` bytes (1 for counts). Plain numbers are already in the unit; TOSCA
 * scalar-units (`4 GB`) are converted, reading MB/GB as binary units as APPD authors mean them.
 */
function size(raw: JsonValue | undefined, name: string, unit: number, warnings: string[]): number | undefined {
  const value = text(raw);
  if (value === undefined) return undefined;
  const match = /^([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)$/.exec(value);
  const factor = match?.[2] === '' ? unit : UNITS[match?.[2]?.toLowerCase() ?? ''];
  if (match === null || factor === undefined || (unit === 1 && match[2] !== '')) {
    warnings.push(`${name} ${JSON.stringify(value)} is not a number${unit === 1 ? '' : ' or a size like "4 GB"'}; left out`);
    return undefined;
  }
  return Math.round((Number(match[1]) * factor / unit) * 1000) / 1000;
}

// ---- tree helpers ---------------------------------------------------------------------------

function isTree(value: JsonValue | undefined): value is Tree {
  return value !== null && value !== undefined && typeof value === 'object' && !Array.isArray(value);
}

/** A scalar as a trimmed string; undefined for absent, empty, `~`, `null` and non-scalars. */
function text(value: JsonValue | undefined): string | undefined {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return ['', '~', 'null', 'Null', 'NULL'].includes(trimmed) ? undefined : trimmed;
}

function bool(value: JsonValue | undefined, name: string, warnings: string[]): boolean | undefined {
  if (typeof value === 'boolean') return value;
  const raw = text(value);
  if (raw === undefined) return undefined;
  if (/^(true|yes)$/i.test(raw)) return true;
  if (/^(false|no)$/i.test(raw)) return false;
  warnings.push(`${name} ${JSON.stringify(raw)} is not true or false; left out`);
  return undefined;
}

function listOf(value: JsonValue | undefined): JsonValue[] {
  if (value === undefined || value === null || text(value) === undefined && !Array.isArray(value) && !isTree(value)) return [];
  return Array.isArray(value) ? value : [value];
}

function textList(value: JsonValue | undefined): string[] {
  return listOf(value).map((item) => text(item)).filter((item): item is string => item !== undefined);
}

/** A property by name, matched case-insensitively (APPDs write appDnsRule, appSupportMP1, …). */
function field(tree: Tree, name: string): JsonValue | undefined {
  if (Object.hasOwn(tree, name)) return tree[name];
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(tree)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}
