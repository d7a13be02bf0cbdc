/**
 * A stand-in for EdgeGallery's MEP (mepserver's Mm5 app-rule API), served over real HTTP(S) on
 * 127.0.0.1 for tests and the demo. It answers as mepserver does — see docs/mep.md for the
 * contract and the EdgeGallery files it was read from:
 *
 *   POST|PUT|GET|DELETE /mepcfg/app_lcm/v1/applications/{appInstanceId}/appd_configuration
 *   GET                 /mepcfg/app_lcm/v1/tasks/{taskId}/appd_configuration
 *
 * POST/PUT/DELETE answer 200 `{taskId, appInstanceId, configResult: "PROCESSING", configPhase: "0",
 * Detailed: "Operation In progress"}`; the task then works through its rule operations (DNS rules
 * first, then traffic rules), its configPhase the percentage done, and ends in SUCCESS — only
 * then does the change take effect — or FAILURE (nothing changes, Detailed says why). Refusals
 * are ProblemDetails `{title, status: <mepserver error code>, detail}` with mepserver's HTTP
 * codes and words; a missing or wrong bearer token gets the API gateway's 401.
 *
 * Fault knobs, all settable while it runs: `failNext(n, status)`, `latencyMs`, `hangTasks`,
 * `failTasks`, `taskDurationMs`, `restart({ forget })`, and `putConfiguration` /
 * `removeConfiguration` to change what it holds behind the operator's back.
 */
import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import {
  copyConfig, decodeAppDConfig, GoTypeError, validateAppDConfig, validationMessage, type GoAppDConfig,
} from './mep-simulator-model.js';

export type { GoAppDConfig, GoDnsRule, GoTrafficRule } from './mep-simulator-model.js';

export interface MepSimulatorOptions {
  /** Bearer token the simulator accepts; undefined turns authentication off. */
  readonly token?: string;
  /** PEM certificate and key: serve HTTPS with them. */
  readonly tls?: { readonly cert: string; readonly key: string };
  /** How long a task takes from PROCESSING to SUCCESS (default 300 ms). */
  readonly taskDurationMs?: number;
  /** Port to listen on (default: any free one). */
  readonly port?: number;
}

/** One request as the simulator received it. */
export interface MepRequestRecord {
  readonly method: string;
  /** Path without the query. */
  readonly path: string;
  /** The raw body, when there was one. */
  readonly body?: string;
  /** HTTP status answered (0 when no answer was written, e.g. the simulator restarted meanwhile). */
  status: number;
  readonly at: number;
}

export type ConfigResult = 'PROCESSING' | 'SUCCESS' | 'FAILURE';

/** A task as the simulator tracks it. */
export interface MepSimTask {
  readonly taskId: string;
  readonly appInstanceId: string;
  readonly method: 'POST' | 'PUT' | 'DELETE';
  readonly operations: number;
  done: number;
  configResult: ConfigResult;
  detailed: string;
}

interface Task extends MepSimTask {
  /** The configuration to store on success (POST/PUT); undefined for DELETE. */
  readonly target: GoAppDConfig | undefined;
  readonly dnsOperations: number;
  /** Index of the operation that fails, when the task was created with failTasks set. */
  readonly failAt: number | undefined;
  readonly failDetail: string;
  timer: NodeJS.Timeout | undefined;
  parked: boolean;
}

interface Answer { readonly status: number; readonly body: unknown }

const API = '/mepcfg/app_lcm/v1';
const CONFIG_PATH = /^\/mepcfg\/app_lcm\/v1\/applications\/([^/]+)\/appd_configuration$/;
const TASK_PATH = /^\/mepcfg\/app_lcm\/v1\/tasks\/([^/]+)\/appd_configuration$/;
/** go-playground/validator's `uuid`: lowercase hex only. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** mepserver: RequestBodyLength * 8. */
const MAX_BODY = 4096 * 8;
/** Beyond this the simulator stops reading and drops the connection. */
const MAX_READ = 1024 * 1024;

// mepserver error codes (mepserver/common/util/const.go)
const Code = {
  SerErrFailBase: 1, SerInstanceNotFound: 3, ParseInfoErr: 4, SubscriptionNotFound: 5,
  OperateDataWithEtcdErr: 6, RemoteServerErr: 9, AuthorizationValidateErr: 11, RequestParamErr: 14,
  DuplicateOperation: 19, ForbiddenOperation: 20,
} as const;

/** mepserver's ProblemDetails (Go omits empty members). */
function problem(status: number, title: string, code: number, detail: string): Answer {
  return { status, body: { title, status: code, detail } };
}
const badRequest = (code: number, detail: string) => problem(400, 'Bad Request', code, detail);
const notFound = (code: number, detail: string) => problem(404, 'Can not found resource', code, detail);

export class MepSimulator {
  /** Bearer token accepted; change it to simulate rotation. undefined: no authentication. */
  token: string | undefined;
  /** Delay before each request is handled. The change still happens when the client gave up. */
  latencyMs = 0;
  /** Duration of a task from PROCESSING to SUCCESS. */
  taskDurationMs: number;
  /**
   * Tasks created while this is set end in FAILURE midway (after some configPhase progress);
   * a string is used as their Detailed text instead of mepserver's own wording.
   */
  failTasks: boolean | string = false;

  private server: Server;
  private readonly port: number;
  private readonly protocol: 'http' | 'https';
  private readonly tls: MepSimulatorOptions['tls'];
  private hang = false;
  private failCount = 0;
  private failStatus = 503;
  private generation = 0;
  private readonly configs = new Map<string, GoAppDConfig>();
  /** Tasks still PROCESSING, by app instance (mepserver's jobs path). */
  private readonly jobs = new Map<string, Task>();
  private readonly taskById = new Map<string, Task>();
  private readonly log: MepRequestRecord[] = [];

  private constructor(options: MepSimulatorOptions, server: Server, port: number) {
    this.token = options.token;
    this.taskDurationMs = options.taskDurationMs ?? 300;
    this.tls = options.tls;
    this.protocol = options.tls ? 'https' : 'http';
    this.server = server;
    this.port = port;
  }

  /** Starts a simulator on 127.0.0.1. */
  static async start(options: MepSimulatorOptions = {}): Promise<MepSimulator> {
    let simulator: MepSimulator | undefined;
    const server = makeServer(options.tls, (req, res) => simulator!.onRequest(req, res));
    const port = await listen(server, options.port ?? 0);
    simulator = new MepSimulator(options, server, port);
    return simulator;
  }

  /** Base URL, e.g. `https://127.0.0.1:40123`. */
  get url(): string {
    return `${this.protocol}://127.0.0.1:${this.port}`;
  }

  /** Tasks stay PROCESSING while this is set; clearing it lets them continue. */
  get hangTasks(): boolean {
    return this.hang;
  }

  set hangTasks(value: boolean) {
    this.hang = value;
    if (value) return;
    for (const task of this.jobs.values()) {
      if (task.parked) {
        task.parked = false;
        this.schedule(task);
      }
    }
  }

  /** The next `n` requests are answered with `status` (default 503) and change nothing. */
  failNext(n: number, status = 503): void {
    this.failCount = n;
    this.failStatus = status;
  }

  /**
   * Closes every connection and listens again on the same port. With `forget`, everything held
   * is lost (configurations, tasks, running jobs) as if the MEP's store was wiped.
   */
  async restart(options: { forget?: boolean } = {}): Promise<void> {
    await this.close();
    if (options.forget) this.wipe();
    this.server = makeServer(this.tls, (req, res) => this.onRequest(req, res));
    await listen(this.server, this.port);
  }

  /** Stops the server and every timer. */
  async stop(): Promise<void> {
    await this.close();
    this.wipe();
  }

  /** What the simulator holds, by app instance id, as its GET answers it (copies). */
  configurations(): Map<string, GoAppDConfig> {
    return new Map([...this.configs].map(([id, config]) => [id, copyConfig(config)]));
  }

  /** What the simulator holds for one app instance (a copy), or undefined. */
  configuration(appInstanceId: string): GoAppDConfig | undefined {
    const config = this.configs.get(appInstanceId);
    return config && copyConfig(config);
  }

  /**
   * Changes what the simulator holds without a task, as someone working on the MEP directly
   * would: `body` is decoded as a request body would be (any key case), not validated.
   */
  putConfiguration(appInstanceId: string, body: Record<string, unknown>): void {
    this.configs.set(appInstanceId, decodeAppDConfig(body));
  }

  /** Drops what the simulator holds for an app instance, without a task. */
  removeConfiguration(appInstanceId: string): void {
    this.configs.delete(appInstanceId);
  }

  /** Every task the simulator knows (copies), oldest first. */
  tasks(): MepSimTask[] {
    return [...this.taskById.values()].map((t) => ({
      taskId: t.taskId, appInstanceId: t.appInstanceId, method: t.method, operations: t.operations,
      done: t.done, configResult: t.configResult, detailed: t.detailed,
    }));
  }

  /** The requests received so far, oldest first (kept across restarts). */
  requests(): readonly MepRequestRecord[] {
    return this.log.map((r) => ({ ...r }));
  }

  /** Requests with this method whose path contains `pathPart`. */
  countRequests(method: string, pathPart = ''): number {
    return this.log.filter((r) => r.method === method && r.path.includes(pathPart)).length;
  }

  clearRequests(): void {
    this.log.length = 0;
  }

  // ---------------------------------------------------------------------------------------

  private async close(): Promise<void> {
    this.generation += 1;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private wipe(): void {
    for (const task of this.taskById.values()) clearTimeout(task.timer);
    this.configs.clear();
    this.jobs.clear();
    this.taskById.clear();
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    this.handle(req, res).catch((error: unknown) => {
      if (!res.headersSent && !res.destroyed) {
        write(res, { status: 500, body: { title: 'Internal Server Error', status: Code.RemoteServerErr, detail: String(error) } });
      }
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const generation = this.generation;
    const path = new URL(req.url ?? '/', 'http://mep').pathname;
    const method = req.method ?? 'GET';
    const text = await readBody(req);
    const record: MepRequestRecord = { method, path, status: 0, at: Date.now(), ...(text ? { body: text.body } : {}) };
    this.log.push(record);
    if (text?.truncated) {
      record.status = 400;
      write(res, problem(400, 'Request parameter error', Code.RequestParamErr, 'request body too large'), true);
      return;
    }
    if (this.latencyMs > 0) await delay(this.latencyMs, undefined, { ref: false });
    // Restarted or stopped while this request waited: its connection is gone, and so is its MEP.
    if (generation !== this.generation || res.destroyed) return;
    const answer = this.answer(method, path, req.headers, text?.body);
    record.status = answer.status;
    write(res, answer);
  }

  private answer(method: string, path: string, headers: IncomingMessage['headers'], body: string | undefined): Answer {
    if (this.failCount > 0) {
      this.failCount -= 1;
      const title = this.failStatus === 503 ? 'Remote server error' : STATUS_CODES[this.failStatus] ?? 'Error';
      return problem(this.failStatus, title, Code.RemoteServerErr, 'server internal function failed');
    }
    if (this.token !== undefined) {
      const auth = headers.authorization ?? '';
      const match = /^Bearer\s+(.+)$/i.exec(auth);
      // The API gateway (Kong) in front of mepserver checks the token and answers in its own words.
      if (!match || match[1] !== this.token) return { status: 401, body: { message: 'Unauthorized' } };
    }
    const config = CONFIG_PATH.exec(path);
    if (config) {
      const id = decodeURIComponent(config[1]!);
      const claimed = headers['x-appinstanceid'];
      if (typeof claimed === 'string' && claimed !== id) {
        return problem(401, 'UnAuthorization', Code.AuthorizationValidateErr, 'UnAuthorization to access the resource');
      }
      switch (method) {
        case 'POST': return this.create(id, body);
        case 'PUT': return this.update(id, body);
        case 'GET': return this.read(id);
        case 'DELETE': return this.remove(id);
        default: return { status: 405, body: { title: 'Method Not Allowed', detail: `${method} is not allowed here` } };
      }
    }
    const task = TASK_PATH.exec(path);
    if (task) {
      if (method !== 'GET') return { status: 405, body: { title: 'Method Not Allowed', detail: `${method} is not allowed here` } };
      return this.readTask(decodeURIComponent(task[1]!));
    }
    return notFound(Code.SubscriptionNotFound, `no route for ${method} ${path} (the API is under ${API})`);
  }

  // --- the handlers, in mepserver's order of checks ---------------------------------------

  private create(id: string, body: string | undefined): Answer {
    const input = parseConfigBody(body);
    if ('status' in input) return input;
    if (this.configs.has(id)) return badRequest(Code.DuplicateOperation, 'duplicate app instance');
    for (const stored of this.configs.values()) {
      if (stored.appName === input.appName) return badRequest(Code.DuplicateOperation, 'duplicate app name');
    }
    if (this.jobs.has(id)) return badRequest(Code.ForbiddenOperation, 'app instance has other operation in progress');
    mapAddressTypes(input);
    const dnsOps = (input.appDNSRule ?? []).length;
    const ops = dnsOps + (input.appTrafficRule ?? []).length;
    if (ops === 0) return notFound(Code.SubscriptionNotFound, 'no modification data found in the input');
    const created = (input.appDNSRule ?? []).map((r) => r.dnsRuleId);
    if (this.duplicateDomain(id, input, created)) return badRequest(Code.DuplicateOperation, 'duplicate dns entry');
    return this.startTask(id, 'POST', input, ops, dnsOps);
  }

  private update(id: string, body: string | undefined): Answer {
    const input = parseConfigBody(body);
    if ('status' in input) return input;
    const stored = this.configs.get(id);
    if (!stored) return notFound(Code.SerInstanceNotFound, 'app instance not found');
    if (this.jobs.has(id)) return badRequest(Code.ForbiddenOperation, 'app instance has other operation in progress');
    mapAddressTypes(input);
    if (input.appName !== stored.appName) return badRequest(Code.OperateDataWithEtcdErr, "app-name doesn't match");
    const dns = diff(input.appDNSRule ?? [], stored.appDNSRule ?? [], (r) => r.dnsRuleId);
    const traffic = diff(input.appTrafficRule ?? [], stored.appTrafficRule ?? [], (r) => r.trafficRuleId);
    const ops = dns.operations + traffic.operations;
    if (ops === 0) return notFound(Code.SubscriptionNotFound, 'no modification data found in the input');
    if (this.duplicateDomain(id, input, dns.created)) return badRequest(Code.DuplicateOperation, 'duplicate dns entry');
    return this.startTask(id, 'PUT', input, ops, dns.operations);
  }

  private remove(id: string): Answer {
    const stored = this.configs.get(id);
    if (!stored) return notFound(Code.SerInstanceNotFound, 'app instance not found');
    if (this.jobs.has(id)) return badRequest(Code.ForbiddenOperation, 'app instance has other operation in progress');
    const dnsOps = (stored.appDNSRule ?? []).length;
    const ops = dnsOps + (stored.appTrafficRule ?? []).length;
    if (ops === 0) return notFound(Code.SubscriptionNotFound, 'no modification data found in the input');
    return this.startTask(id, 'DELETE', undefined, ops, dnsOps);
  }

  private read(id: string): Answer {
    const stored = this.configs.get(id);
    if (!stored) return notFound(Code.SubscriptionNotFound, 'appD config retrieval failed');
    return { status: 200, body: stored };
  }

  private readTask(taskId: string): Answer {
    if (!UUID.test(taskId)) return problem(400, 'Request parameter error', Code.RequestParamErr, 'taskId validation failed, invalid uuid');
    const task = this.taskById.get(taskId);
    if (!task) return notFound(Code.SubscriptionNotFound, 'task rule retrieval failed');
    const phase = task.configResult === 'SUCCESS' ? 100
      : task.configResult === 'FAILURE' ? 0 : Math.floor((task.done * 100) / task.operations);
    return { status: 200, body: progress(task.taskId, task.appInstanceId, task.configResult, String(phase), task.detailed) };
  }

  /**
   * mepserver refuses a DNS domain name used twice in the body, or — for rules it would create —
   * held or being written by another app instance.
   */
  private duplicateDomain(id: string, input: GoAppDConfig, createdIds: readonly string[]): boolean {
    const rules = input.appDNSRule ?? [];
    const names = rules.map((r) => r.domainName);
    if (new Set(names).size !== names.length) return true;
    const taken = new Set<string>();
    const others = [...this.configs.entries(), ...[...this.jobs.entries()].map(([k, t]) => [k, t.target] as const)];
    for (const [otherId, config] of others) {
      if (otherId === id || !config) continue;
      for (const rule of config.appDNSRule ?? []) taken.add(rule.domainName);
    }
    return rules.some((r) => createdIds.includes(r.dnsRuleId) && taken.has(r.domainName));
  }

  // --- tasks ------------------------------------------------------------------------------

  private startTask(id: string, method: Task['method'], target: GoAppDConfig | undefined, operations: number, dnsOperations: number): Answer {
    const failing = this.failTasks !== false;
    const failAt = failing ? Math.floor(operations / 2) : undefined;
    const failDetail = typeof this.failTasks === 'string' ? this.failTasks
      : failAt !== undefined && failAt < dnsOperations ? 'Failed in configuring dns rule on remote dns-server/data-plane.'
        : 'Failed in configuring traffic rule on remote data-plane.';
    const task: Task = {
      taskId: randomUUID(), appInstanceId: id, method, operations, dnsOperations, target,
      done: 0, configResult: 'PROCESSING', detailed: '', failAt, failDetail, timer: undefined, parked: false,
    };
    this.jobs.set(id, task);
    this.taskById.set(task.taskId, task);
    this.schedule(task);
    return { status: 200, body: progress(task.taskId, id, 'PROCESSING', '0', 'Operation In progress') };
  }

  private schedule(task: Task): void {
    const stepMs = Math.max(1, this.taskDurationMs / task.operations);
    task.timer = setTimeout(() => this.step(task), stepMs);
  }

  private step(task: Task): void {
    task.timer = undefined;
    if (this.jobs.get(task.appInstanceId) !== task) return; // wiped
    if (this.hang) {
      task.parked = true;
      return;
    }
    if (task.failAt === task.done) {
      task.configResult = 'FAILURE';
      task.detailed = task.failDetail;
      this.jobs.delete(task.appInstanceId);
      return;
    }
    task.done += 1;
    if (task.done < task.operations) {
      this.schedule(task);
      return;
    }
    if (task.target) this.configs.set(task.appInstanceId, activated(task.target));
    else this.configs.delete(task.appInstanceId);
    task.configResult = 'SUCCESS';
    this.jobs.delete(task.appInstanceId);
  }
}

/** mepserver's TaskProgress, spelled as it writes it (`Detailed`). */
function progress(taskId: string, appInstanceId: string, configResult: ConfigResult, configPhase: string, detailed: string) {
  return { taskId, appInstanceId, configResult, configPhase, Detailed: detailed };
}

/** Decoding and validation as mepserver's DecodeAppDRestReq does them. */
function parseConfigBody(body: string | undefined): GoAppDConfig | Answer {
  const text = body ?? '';
  if (Buffer.byteLength(text) > MAX_BODY) return problem(400, 'Request parameter error', Code.RequestParamErr, 'request body too large');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    // Go's words for the common case; the position detail is Node's.
    const detail = text.trim() === '' ? 'unexpected end of JSON input' : `invalid character in JSON input: ${(error as Error).message}`;
    return badRequest(Code.SerErrFailBase, detail);
  }
  if (parsed !== null && (typeof parsed !== 'object' || Array.isArray(parsed))) {
    const kind = Array.isArray(parsed) ? 'array' : typeof parsed === 'boolean' ? 'bool' : typeof parsed;
    return badRequest(Code.SerErrFailBase, `json: cannot unmarshal ${kind} into Go value of type map[string]interface {}`);
  }
  let config: GoAppDConfig;
  try {
    config = decodeAppDConfig((parsed ?? {}) as Record<string, unknown>);
  } catch (error) {
    if (error instanceof GoTypeError) return badRequest(Code.ParseInfoErr, 'unmarshal request body error');
    throw error;
  }
  const failed = validateAppDConfig(config);
  if (failed.length) return badRequest(Code.SerErrFailBase, validationMessage(failed));
  return config;
}

/** mepserver maps the Mp1 spelling of the address type to the Mp2 one before storing. */
function mapAddressTypes(config: GoAppDConfig): void {
  for (const rule of config.appDNSRule ?? []) {
    if (rule.ipAddressType === 'IPv4') rule.ipAddressType = 'IP_V4';
    else if (rule.ipAddressType === 'IPv6') rule.ipAddressType = 'IP_V6';
  }
}

/** Rules the MEP applied get state ACTIVE when they had none (its sync worker writes it back). */
function activated(config: GoAppDConfig): GoAppDConfig {
  const copy = copyConfig(config);
  for (const rule of [...(copy.appDNSRule ?? []), ...(copy.appTrafficRule ?? [])]) {
    if (rule.state === '') rule.state = 'ACTIVE';
  }
  return copy;
}

/** mepserver's handleRuleUpdate: create, modify (not deep-equal) and delete operations by rule id. */
function diff<T>(input: readonly T[], stored: readonly T[], id: (rule: T) => string): { operations: number; created: string[] } {
  const before = new Map(stored.map((r) => [id(r), JSON.stringify(r)]));
  const after = new Set(input.map(id));
  let operations = 0;
  const created: string[] = [];
  for (const rule of input) {
    const old = before.get(id(rule));
    if (old === undefined) {
      created.push(id(rule));
      operations += 1;
    } else if (old !== JSON.stringify(rule)) operations += 1;
  }
  for (const key of before.keys()) if (!after.has(key)) operations += 1;
  return { operations, created };
}

function write(res: ServerResponse, answer: Answer, close = false): void {
  if (res.destroyed) return;
  const text = `${JSON.stringify(answer.body)}\n`;
  res.writeHead(answer.status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'X-Response-Status': String(answer.status),
    ...(close ? { Connection: 'close' } : {}),
  });
  res.end(text);
}

function makeServer(tls: MepSimulatorOptions['tls'], handler: (req: IncomingMessage, res: ServerResponse) => void): Server {
  const server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, handler) : createHttpServer(handler);
  server.keepAliveTimeout = 5_000;
  return server;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Reads the body up to MAX_READ bytes; undefined when there is none. */
function readBody(req: IncomingMessage): Promise<{ body: string; truncated: boolean } | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_READ) {
        truncated = true;
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(size === 0 ? undefined : { body: Buffer.concat(chunks).toString('utf8'), truncated }));
    req.on('error', () => resolve(undefined));
    req.on('close', () => resolve(size === 0 ? undefined : { body: Buffer.concat(chunks).toString('utf8'), truncated }));
  });
}
