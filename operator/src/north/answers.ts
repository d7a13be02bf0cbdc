/**
 * The bodies North answers with, in the shapes EdgeGallery's servers used (shared/notes/
 * appstore-contracts.md) and the appstore parses. The appstore reads answers with Gson and
 * fails on a JSON null where it reads a string, so no answer ever holds null: `withoutNulls`
 * drops null and undefined fields recursively, and every answer goes through it on the way out.
 */

/** Which server a route imitates; decides the error body's shape. */
export type RouteFamily =
  /** EdgeGallery's mecm-north (/north/v1): `{retCode, message}`. */
  | 'north'
  /** EdgeGallery's lcmcontroller (/lcmcontroller/...): `{retCode, message}` (data and params omitted). */
  | 'lcm'
  /** Our own (the OpenAPI document, unknown paths): RFC 9457 problem+json. */
  | 'own';

export type Json = string | number | boolean | null | undefined | readonly Json[] | { readonly [key: string]: Json };

/** A copy of `value` without null or undefined anywhere: object fields are dropped, array items too. */
export function withoutNulls(value: Json): Json {
  if (Array.isArray(value)) return value.filter((v) => v !== null && v !== undefined).map((v) => withoutNulls(v as Json));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, Json> = {};
    for (const [key, v] of Object.entries(value as Record<string, Json>)) if (v !== null && v !== undefined) out[key] = withoutNulls(v);
    return out;
  }
  return value;
}

/** lcmcontroller's success envelope: `{data, retCode: 0, message}` (params, always null there, omitted). */
export function lcmSuccess(message: string, data?: Json): Json {
  return { data, retCode: 0, message };
}

/** A refusal to answer: an HTTP status, a message, and lcmcontroller's code for it if any. */
export interface Refusal {
  readonly status: number;
  readonly message: string;
  readonly code?: number;
}

export interface ErrorAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: Json;
}

/** The error body of `family` for `error` (instance: the request path, for problem+json). */
export function errorAnswer(family: RouteFamily, error: Refusal, instance: string): ErrorAnswer {
  switch (family) {
    case 'north':
      return { status: error.status, contentType: 'application/json', body: { retCode: 1, message: error.message } };
    case 'lcm':
      return { status: error.status, contentType: 'application/json', body: { retCode: error.code ?? error.status, message: error.message } };
    case 'own':
      return {
        status: error.status, contentType: 'application/problem+json',
        body: { type: 'about:blank', title: titles[error.status] ?? 'Error', status: error.status, detail: error.message, instance },
      };
  }
}

const titles: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict',
  413: 'Content Too Large', 415: 'Unsupported Media Type', 422: 'Unprocessable Content', 429: 'Too Many Requests',
  500: 'Internal Server Error', 503: 'Service Unavailable',
};

/** The family of a path no route matched (for 404 and framework errors before routing). */
export function familyOfPath(url: string): RouteFamily {
  if (url.startsWith('/lcmcontroller/')) return 'lcm';
  if (url.startsWith('/north/v1/')) return 'north';
  return 'own';
}
