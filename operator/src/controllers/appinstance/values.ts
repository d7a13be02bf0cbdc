/**
 * The Helm values of an AppInstance, as a pure function: EdgeGallery's conventions first
 * (`appconfig.appnamespace`, `appconfig.aksk.*`, `imagelocation.*`), then the user's values from
 * Secrets/ConfigMaps in order, then `spec.values` on top. Deep merge: maps merge, everything
 * else is replaced.
 */
import { createHash } from 'node:crypto';
import { stableJson } from '../../util/stable-json.js';

export type Values = Record<string, unknown>;

export interface ValuesInput {
  readonly namespace: string;
  readonly appInstanceId: string;
  readonly aksk: { readonly accessKey: string; readonly secretKey: string; readonly secretName: string };
  /** Registry host[:port][/prefix] where the package's images were mirrored, and their project. */
  readonly imageLocation: { readonly domainName: string; readonly project: string } | undefined;
  /** Documents from valuesFrom, in spec order, each already placed at its targetPath. */
  readonly fromReferences: readonly Values[];
  readonly specValues: Values | undefined;
}

export function buildValues(input: ValuesInput): Values {
  const conventions: Values = {
    appconfig: {
      appnamespace: input.namespace,
      aksk: {
        appInsId: input.appInstanceId, accesskey: input.aksk.accessKey,
        secretkey: input.aksk.secretKey, secretname: input.aksk.secretName,
      },
    },
    ...(input.imageLocation ? { imagelocation: { domainname: input.imageLocation.domainName, project: input.imageLocation.project } } : {}),
  };
  return [...input.fromReferences, input.specValues ?? {}].reduce<Values>((merged, next) => deepMerge(merged, next), conventions);
}

export function deepMerge(base: Values, over: Values): Values {
  const out: Values = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isMap(current) && isMap(value) ? deepMerge(current, value) : value;
  }
  return out;
}

/** Puts `value` at a dotted path (`a.b.c`), as `helm --set` would. */
export function atPath(path: string, value: unknown): Values {
  return path.split('.').reverse().reduce<unknown>((inner, key) => ({ [key]: inner }), value) as Values;
}

/** A digest of what a release is installed from: equal digests need no upgrade. */
export function releaseDigest(chartRef: string, values: Values): string {
  return `sha256:${createHash('sha256').update(stableJson({ chartRef, values })).digest('hex')}`;
}


function isMap(value: unknown): value is Values {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
