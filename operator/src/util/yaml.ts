/**
 * YAML that a hostile document cannot blow up, for every YAML the operator reads from users
 * (kubeconfigs, valuesFrom ConfigMaps and Secrets). js-yaml keeps an alias as a reference to
 * its anchor, so loading a "billion laughs" is cheap and the cost comes when something walks
 * the tree; we walk it once, copying it into a plain tree and counting every node as it would
 * be expanded, and stop at `maxNodes`. Text past `maxBytes` is refused before parsing.
 */
import yaml from 'js-yaml';

export type YamlProblem = 'TooLarge' | 'TooManyNodes' | 'Invalid';

export class YamlRefusedError extends Error {
  constructor(readonly problem: YamlProblem, message: string) {
    super(message);
    this.name = 'YamlRefusedError';
  }
}

export interface YamlLimits {
  /** Longest text accepted, in UTF-16 code units (about bytes for YAML). */
  readonly maxBytes: number;
  /** Most nodes the expanded tree may have (aliases counted as copies). */
  readonly maxNodes: number;
}

export const defaultYamlLimits: YamlLimits = { maxBytes: 1024 * 1024, maxNodes: 100_000 };

/**
 * Parses one YAML document with the core schema (`replicas: 2` a number, `enabled: false` a
 * boolean, no custom tags) into a plain tree without shared references. `what` names the
 * source in messages. Throws YamlRefusedError.
 */
export function loadYamlGuarded(text: string, what: string, limits: YamlLimits = defaultYamlLimits): unknown {
  if (text.length > limits.maxBytes) {
    throw new YamlRefusedError('TooLarge', `${what} is ${text.length} bytes; at most ${limits.maxBytes} are read`);
  }
  let doc: unknown;
  try {
    doc = yaml.load(text, { schema: yaml.CORE_SCHEMA });
  } catch (error) {
    const first = error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error);
    throw new YamlRefusedError(error instanceof RangeError ? 'TooManyNodes' : 'Invalid', `${what} is not valid YAML: ${first}`);
  }
  return plainTree(doc, limits.maxNodes, () => new YamlRefusedError('TooManyNodes',
    `${what} expands to more than ${limits.maxNodes} nodes; aliases (*name) repeating anchors (&name) are the usual cause; refused`));
}

/**
 * Copies a loaded document into a fresh tree, counting nodes as expanded; iterative, so depth
 * cannot overflow the stack. A `__proto__` key stays data. Throws `tooMany()` past maxNodes.
 */
export function plainTree(doc: unknown, maxNodes: number, tooMany: () => Error): unknown {
  let nodes = 0;
  // Counted when queued, so a huge list of aliases is refused before it is queued.
  const count = (more: number) => {
    nodes += more;
    if (nodes > maxNodes) throw tooMany();
  };
  const root: { value: unknown } = { value: null };
  const stack: Array<{ source: unknown; assign: (value: unknown) => void }> = [{ source: doc, assign: (value) => { root.value = value; } }];
  count(1);
  for (let next = stack.pop(); next; next = stack.pop()) {
    const { source, assign } = next;
    if (Array.isArray(source)) {
      count(source.length);
      const copy: unknown[] = new Array<unknown>(source.length).fill(null);
      assign(copy);
      source.forEach((item: unknown, index) => stack.push({ source: item, assign: (value) => { copy[index] = value; } }));
    } else if (source !== null && typeof source === 'object') {
      const entries = Object.entries(source);
      count(entries.length);
      const copy: Record<string, unknown> = {};
      assign(copy);
      const define = (key: string, value: unknown) => Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
      for (const [key, item] of entries) {
        define(key, null);
        stack.push({ source: item, assign: (value) => { define(key, value); } });
      }
    } else if (typeof source === 'string' || typeof source === 'number' || typeof source === 'boolean') {
      assign(source);
    } else {
      assign(null);
    }
  }
  return root.value;
}
