/**
 * A schema-driven fuzz of every North route on the real hub: fast-check builds requests from the
 * served OpenAPI document — path parameters, JSON and multipart bodies near their schemas, with
 * the suite's real tenant and hosts mixed in so requests get past the first checks — and from
 * nothing (any method, path and body). No answer may be 5xx, and no 200 answer may hold null.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { waitFor } from '../../../testenv/src/process.js';
import { envStartTimeoutMs } from '../support/env.js';
import { assertNoNull } from './support/appstore-client.js';
import { fromSchema, nearSchema, type JsonSchema } from './support/schema-arbitrary.js';
import { startNorth, type NorthEnv } from './support/north-env.js';

interface Operation {
  method: string;
  path: string;
  parameters?: Array<{ name: string; in: string; schema: JsonSchema }>;
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
}

describe('North fuzz (schema-driven, real hub)', function () {
  let north: NorthEnv;
  let token: string;
  let operations: Operation[];

  before(async function () {
    this.timeout(envStartTimeoutMs);
    north = await startNorth('fuzz');
    token = await north.jwt(north.tenantId);
    await waitFor('the appstore user is bound', async () => (await fetch(`${north.url}/north/v1/mechosts`, { headers: { access_token: token } })).status === 200, 30_000, 200);
    const doc = await (await fetch(`${north.url}/north/openapi.json`)).json() as { paths: Record<string, Record<string, Omit<Operation, 'method' | 'path'>>> };
    operations = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ ...op, method: method.toUpperCase(), path })));
  });

  after(async function () {
    this.timeout(60_000);
    await north?.stop();
  });

  async function send(method: string, url: string, headers: Record<string, string>, body?: string | FormData): Promise<{ status: number; text: string }> {
    const res = await fetch(url, { method, headers, body: method === 'GET' ? undefined : body });
    return { status: res.status, text: await res.text() };
  }

  /** Statuses seen: the fuzz must reach past validation (404s, 200s), not only bounce off it. */
  const seen = new Map<number, number>();

  function check(what: string, answer: { status: number; text: string }): void {
    seen.set(answer.status, (seen.get(answer.status) ?? 0) + 1);
    assert.ok(answer.status < 500, `${what} → ${answer.status} ${answer.text.slice(0, 300)}`);
    if (answer.status === 200 && answer.text.startsWith('{')) assertNoNull(JSON.parse(answer.text));
  }

  it('answers every route\'s schema-driven requests without 5xx', async function () {
    this.timeout(300_000);
    const known = (name: string): fc.Arbitrary<string> => {
      if (name === 'tenantId') return fc.constantFrom(north.tenantId, randomUUID());
      if (name === 'hostIp') return fc.constantFrom(...north.hostIps, '192.0.2.250');
      return fc.constant(randomUUID());
    };
    for (const op of operations) {
      const params = (op.parameters ?? []).filter((p) => p.in === 'path');
      const paramArb = fc.record(Object.fromEntries(params.map((p) => [p.name, fc.oneof(known(p.name), fromSchema(p.schema).map(String), fc.string({ maxLength: 40 }))])));
      const content = op.requestBody?.content ?? {};
      const jsonSchema = content['application/json']?.schema;
      const formSchema = content['multipart/form-data']?.schema;
      const bodyArb: fc.Arbitrary<{ kind: 'json'; text: string } | { kind: 'form'; fields: Record<string, unknown>; file?: Uint8Array } | { kind: 'none' }> = jsonSchema
        ? fc.oneof(nearSchema(jsonSchema).map((v) => ({ kind: 'json' as const, text: JSON.stringify(v) ?? '' })), fc.string().map((text) => ({ kind: 'json' as const, text })))
        : formSchema
          ? fc.record({ fields: fromSchema({ ...formSchema, properties: Object.fromEntries(Object.entries(formSchema.properties ?? {}).filter(([, s]) => (s as { format?: string }).format !== 'binary')) }) as fc.Arbitrary<Record<string, unknown>>, file: fc.option(fc.uint8Array({ maxLength: 2048 }), { nil: undefined }) }).map((f) => ({ kind: 'form' as const, ...f }))
          : fc.constant({ kind: 'none' as const });
      const tokenArb = fc.oneof({ weight: 4, arbitrary: fc.constant(token) }, { weight: 1, arbitrary: fc.constantFrom('', 'garbage') });
      await fc.assert(fc.asyncProperty(paramArb, bodyArb, tokenArb, async (values, body, t) => {
        const path = op.path.replace(/\{([A-Za-z0-9_]+)\}/g, (_m, name: string) => encodeURIComponent(String((values as Record<string, unknown>)[name] ?? '')));
        const headers: Record<string, string> = t ? { access_token: t } : {};
        let payload: string | FormData | undefined;
        if (body.kind === 'json') {
          headers['content-type'] = 'application/json';
          payload = body.text;
        } else if (body.kind === 'form') {
          const form = new FormData();
          for (const [k, v] of Object.entries(body.fields)) form.append(k, typeof v === 'string' ? v : JSON.stringify(v));
          if (body.file) form.append(Object.keys(formSchema?.properties ?? {}).find((k) => (formSchema?.properties?.[k] as { format?: string }).format === 'binary') ?? 'file', new Blob([body.file]), 'x.csar');
          payload = form;
        }
        check(`${op.method} ${path}`, await send(op.method, `${north.url}${path}`, headers, payload));
      }), { numRuns: 25 });
    }
    for (const status of [200, 400, 401, 403, 404]) assert.ok(seen.has(status), `some request answered ${status} (seen: ${JSON.stringify([...seen])})`);
  });

  it('answers anything at all without 5xx', async function () {
    this.timeout(120_000);
    await fc.assert(fc.asyncProperty(
      fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS'),
      fc.oneof(fc.webPath(), fc.constantFrom('/north/v1/tenants/', '/lcmcontroller/v2/tenants/x/packages', `/lcmcontroller/v2/tenants/${north.tenantId}/packages/%00`)),
      fc.constantFrom('application/json', 'multipart/form-data; boundary=x', 'text/plain', 'application/x-www-form-urlencoded', ''),
      fc.string({ maxLength: 512 }),
      async (method, path, contentType, body) => {
        const headers: Record<string, string> = { access_token: token, ...(contentType ? { 'content-type': contentType } : {}) };
        check(`${method} ${path}`, await send(method, `${north.url}${path.startsWith('/') ? path : `/${path}`}`, headers, ['GET', 'OPTIONS'].includes(method) ? undefined : body));
      }), { numRuns: 300 });
  });
});
