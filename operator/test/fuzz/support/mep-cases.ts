/**
 * Generated MEP answers — ProblemDetails, tasks and configurations in any key case, with wrong
 * types, cut off, or not JSON at all, under any status — and what the answer parser must do with
 * each: give a value or a typed MepError, never anything else. Checked on the pure functions
 * (parseErrorBody, classifyAnswer, fromWire, parseTask) and through a MepClient talking to a local
 * server that gives the answer. Shared by the CI fuzz tests and bench/fuzz.ts.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { MepClient } from '../../../src/mep/client.js';
import { classifyAnswer, MepError, parseErrorBody } from '../../../src/mep/errors.js';
import { CONFIG_RESULTS, type MepAppConfig } from '../../../src/mep/types.js';
import { fromWire, normalizeConfig, parseTask } from '../../../src/mep/wire.js';
import { dnsRuleArb, trafficRuleArb } from './rule-cases.js';

/** One answer of the MEP to one call. */
export interface MepAnswer {
  call: 'get' | 'task' | 'create' | 'update' | 'delete';
  status: number;
  body: string;
}

const KINDS = new Set(['Unauthorized', 'NotFound', 'Conflict', 'Invalid', 'ServerError', 'Timeout', 'Unreachable', 'TlsUntrusted']);

/** Keys written in one case for the whole value, as different MEP versions and gateways do. */
function recase(value: unknown, style: 'as-is' | 'lower' | 'upper'): unknown {
  if (Array.isArray(value)) return value.map((item) => recase(item, style));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const name = style === 'lower' ? key.toLowerCase() : style === 'upper' ? key.toUpperCase() : key;
    Object.defineProperty(out, name, { value: recase(item, style), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

const texts = fc.oneof(
  fc.constantFrom('duplicate app instance', 'app name is duplicate', 'dns domain name duplicate', 'Operation In progress', "app-name doesn't match",
    'body too large', 'no modification in the request', 'already exist', '', 'null'),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.nat({ max: 3000 }).map((n) => 'x'.repeat(n)),
);
const oddValue = fc.oneof(fc.constantFrom(null, true, 0, -1, 1e308, '', [], {}), fc.anything({ maxDepth: 1, maxKeys: 3 }));

const problemDetails = fc.record({
  title: fc.oneof(texts, oddValue), status: fc.oneof(fc.constantFrom(1, 3, 4, 11, 14, 16, 19, 20), fc.integer(), oddValue),
  detail: fc.oneof(texts, oddValue), message: fc.oneof(texts, oddValue), error: fc.oneof(texts, oddValue), detailed: texts,
}, { requiredKeys: [] });

const task = fc.record({
  taskId: fc.oneof(fc.constantFrom('t-1', '', ' '), fc.integer(), oddValue), appInstanceId: fc.oneof(fc.constant('i-1'), oddValue),
  configResult: fc.oneof(fc.constantFrom('PROCESSING', 'SUCCESS', 'FAILURE', 'success', 'Failure', 'DONE'), oddValue),
  configPhase: fc.oneof(fc.constantFrom('0', '50', '100'), fc.integer(), oddValue), Detailed: fc.oneof(texts, oddValue),
}, { requiredKeys: [] });

const configuration = fc.record({
  appTrafficRule: fc.oneof(fc.array(trafficRuleArb, { maxLength: 4 }), oddValue), appDNSRule: fc.oneof(fc.array(dnsRuleArb, { maxLength: 4 }), oddValue),
  appSupportMp1: fc.oneof(fc.boolean(), oddValue), appName: fc.oneof(texts, oddValue),
}, { requiredKeys: [] });

/** Body text: one of the shapes as JSON (whole, cut off, or with junk around it), any JSON, or not JSON. */
const bodyArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(fc.oneof(problemDetails, task, configuration), fc.constantFrom('as-is', 'lower', 'upper'), fc.constantFrom('whole', 'cut', 'junk'), fc.nat())
    .map(([value, style, form, at]) => {
      const json = JSON.stringify(recase(value, style)) ?? 'null';
      return form === 'whole' ? json : form === 'cut' ? json.slice(0, at % (json.length + 1)) : `${json}\n<html>`;
    }) },
  { weight: 2, arbitrary: fc.json({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '\u0000', '<html><body>502 Bad Gateway</body></html>', '{"__proto__": {"taskId": "x"}}', '[]', 'null') },
);

/** Status codes an HTTP server can send. */
const httpStatus = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(200, 400, 401, 403, 404, 409, 413, 422, 500, 502, 503) }, { weight: 1, arbitrary: fc.integer({ min: 200, max: 599 }) });

export const mepAnswerArb: fc.Arbitrary<MepAnswer> = fc.record({
  call: fc.constantFrom('get', 'task', 'create', 'update', 'delete'),
  status: httpStatus,
  body: bodyArb,
});

/** Any status a caller might hand classifyAnswer, not only those HTTP allows. */
export const anyStatusArb = fc.oneof(httpStatus, fc.integer({ min: -10, max: 1100 }));

function assertMepError(error: unknown): asserts error is MepError {
  assert.ok(error instanceof MepError, `not a MepError: ${String(error)}`);
  assert.ok(KINDS.has(error.kind), error.kind);
  assert.equal(error.reason, `MEP${error.kind}`);
  assert.equal(typeof error.transient, 'boolean');
  assert.ok(error.message.length < 10_000, `message of ${error.message.length} characters`);
}

function assertConfig(config: MepAppConfig): void {
  assert.ok(Array.isArray(config.appTrafficRule) && Array.isArray(config.appDNSRule));
  assert.equal(typeof config.appName, 'string');
  assert.equal(typeof config.appSupportMp1, 'boolean');
  assert.deepEqual(normalizeConfig(config), config, 'what fromWire gives is already normalised');
}

/**
 * The pure parsers on one answer (with `status` for classifyAnswer): parseErrorBody and
 * classifyAnswer never throw and give a MepError; fromWire never throws on any JSON; parseTask
 * gives a task with a known result or throws a plain Error (the client turns it into a MepError).
 */
export function checkAnswerParsers(answer: MepAnswer, status: number): void {
  const body = parseErrorBody(answer.body);
  assert.ok(body.detail === undefined || (typeof body.detail === 'string' && body.detail.length <= 1000));
  assert.ok(body.mepCode === undefined || typeof body.mepCode === 'number');
  assertMepError(classifyAnswer(status, body, 'POST appd_configuration of i-1'));
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.body);
  } catch {
    return;
  }
  assertConfig(fromWire(parsed));
  try {
    const result = parseTask(parsed);
    assert.ok((CONFIG_RESULTS as readonly string[]).includes(result.configResult) && result.taskId !== '');
  } catch (error) {
    assert.equal((error as Error).constructor, Error, `parseTask threw ${String(error)}`);
  }
}

/** A local HTTP server that gives whatever answer is set, and a MepClient talking to it. */
export interface FakeMep {
  client: MepClient;
  answer(next: MepAnswer): void;
  /** Requests served so far. */
  served(): number;
  close(): Promise<void>;
}

export async function startFakeMep(): Promise<FakeMep> {
  let current: MepAnswer = { call: 'get', status: 200, body: '{}' };
  let served = 0;
  const server: Server = createServer((req, res) => {
    served += 1;
    req.resume();
    req.on('end', () => {
      res.writeHead(current.status, { 'Content-Type': 'application/json' });
      res.end(current.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = new MepClient({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, timeoutMs: 5_000 });
  return {
    client,
    answer: (next) => { current = next; },
    served: () => served,
    close: async () => {
      client.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const CONFIG: MepAppConfig = { appTrafficRule: [], appDNSRule: [], appSupportMp1: true, appName: 'app' };

/** One call through the client against the answer: a value of the call's type, or a MepError. */
export async function checkClientAnswer(mep: FakeMep, answer: MepAnswer): Promise<void> {
  mep.answer(answer);
  const calls = {
    get: () => mep.client.get('i-1'),
    task: () => mep.client.task('t-1'),
    create: () => mep.client.create('i-1', CONFIG),
    update: () => mep.client.update('i-1', CONFIG),
    delete: () => mep.client.delete('i-1'),
  };
  let value: unknown;
  try {
    value = await calls[answer.call]();
  } catch (error) {
    assertMepError(error);
    return;
  }
  if (answer.call === 'get') {
    if (value !== undefined) assertConfig(value as MepAppConfig);
  } else {
    const result = value as { taskId: unknown; configResult: unknown };
    assert.ok(typeof result.taskId === 'string' && (CONFIG_RESULTS as readonly unknown[]).includes(result.configResult));
  }
}
