/**
 * Client of EdgeGallery's MEP Mm5 app-rule API (`{mep}/mepcfg/app_lcm/v1`): one configuration of
 * traffic and DNS rules per app instance, changed by POST/PUT/DELETE, each answered with a task
 * that the MEP completes asynchronously.
 *
 *   create/update/delete ──► task PROCESSING ──poll task()──► SUCCESS (now in effect)
 *                                                         └──► FAILURE (Detailed says why; nothing changed)
 *
 * Every call has its own timeout; all go over one keep-alive agent (`close()` frees it). Failures
 * are thrown as `MepError` with a kind and the MEP's own detail; the client does not retry (a
 * repeated POST is the caller's decision) except a request that failed on a reused keep-alive
 * socket the MEP had already closed, and never puts the token in a message. No
 * Kubernetes here: the caller reads the token and CA from wherever it keeps them.
 */
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { setTimeout as delay } from 'node:timers/promises';
import { Histogram } from 'prom-client';
import { classifyAnswer, classifyTransport, isTransient, MepError, parseErrorBody } from './errors.js';
import { isTaskFinished, type MepAppConfig, type MepTask } from './types.js';
import { fromWire, parseTask, toWire } from './wire.js';

export interface MepClientOptions {
  /** Base URL of the MEP (its API gateway), e.g. `https://mep.edge-1.example:8443`. */
  readonly url: string;
  /** Bearer token; sent as `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** PEM of the CA that signed the MEP's certificate; when set, only it is trusted. */
  readonly caPem?: string;
  /** Deadline of each HTTP call, answer body included. */
  readonly timeoutMs: number;
}

export interface WaitOptions {
  /** Give up after this long; the error is a MepError of kind Timeout with the last task seen. */
  readonly timeoutMs: number;
  /** Pause between polls (default 500 ms). */
  readonly intervalMs?: number;
  readonly signal?: AbortSignal;
}

const API = '/mepcfg/app_lcm/v1';

/**
 * Seconds each MEP call took (a resend on a stale socket included), by method, what it was about
 * (`configuration` or `task`) and outcome (the HTTP status class, or the MepError kind when no
 * answer came). Module-wide and registered nowhere here: the operator adds it to the registry it
 * serves (controllers/fleet-metrics.ts). No host or instance label: the fleet is large.
 */
export const mepRequestDuration = new Histogram({
  name: 'mecm_mep_request_duration_seconds',
  help: 'Duration of MEP (Mm5) requests, by method, resource (configuration or task) and outcome (2xx..5xx, or the failure kind without an answer).',
  labelNames: ['method', 'resource', 'outcome'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [],
});

/** Bodies larger than this are cut off; the MEP's own limit for a request is 32 KiB. */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

export class MepClient {
  private readonly base: string;
  private readonly agent: HttpAgent | HttpsAgent;
  private readonly https: boolean;

  constructor(private readonly options: MepClientOptions) {
    const url = new URL(options.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`MEP URL must be http(s), not ${url.protocol}`);
    this.https = url.protocol === 'https:';
    this.base = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
    this.agent = this.https
      ? new HttpsAgent({ keepAlive: true, maxSockets: 16, maxFreeSockets: 4, ...(options.caPem ? { ca: options.caPem } : {}) })
      : new HttpAgent({ keepAlive: true, maxSockets: 16, maxFreeSockets: 4 });
  }

  /** POST: create the configuration of an app instance that has none. Conflict (AlreadyExists) when it has one. */
  async create(appInstanceId: string, config: MepAppConfig): Promise<MepTask> {
    return this.change('POST', appInstanceId, config);
  }

  /**
   * PUT: replace the configuration. NotFound when the MEP holds none (also while its creation is
   * still PROCESSING); NotFound with detailReason NoChange when no rule differs; Invalid with detailReason
   * AppNameMismatch when `appName` differs from the stored one (delete and create instead).
   */
  async update(appInstanceId: string, config: MepAppConfig): Promise<MepTask> {
    return this.change('PUT', appInstanceId, config);
  }

  /** DELETE: remove the configuration; the rules stay in effect until the task succeeds. NotFound when none. */
  async delete(appInstanceId: string): Promise<MepTask> {
    return this.change('DELETE', appInstanceId);
  }

  /** GET: what the MEP holds, normalised (see wire.ts), or undefined when it holds nothing. */
  async get(appInstanceId: string): Promise<MepAppConfig | undefined> {
    const what = `GET appd_configuration of ${appInstanceId}`;
    const answer = await this.send('GET', configPath(appInstanceId), what, { appInstanceId });
    if (answer.status === 404) return undefined;
    if (answer.status !== 200) throw classifyAnswer(answer.status, parseErrorBody(answer.text), what);
    return fromWire(this.json(answer.text, what));
  }

  /** Polls a task once. NotFound when the MEP does not know it (e.g. it restarted and lost its state). */
  async task(taskId: string, timeoutMs?: number): Promise<MepTask> {
    const what = `GET task ${taskId}`;
    const answer = await this.send('GET', `${API}/tasks/${encodeURIComponent(taskId)}/appd_configuration`, what, { timeoutMs });
    return this.taskFrom(answer, what);
  }

  /**
   * Polls until the task is SUCCESS or FAILURE and returns it (a FAILURE is returned, not
   * thrown). Transient failures while polling are retried until the deadline; then the last one
   * is thrown, or a Timeout (detailReason TaskTimeout, `lastTask` set) when the task was still
   * PROCESSING. Other errors (NotFound, Unauthorized, …) are thrown at once. Aborting `signal`
   * rejects with its reason.
   */
  async waitForTask(taskId: string, options: WaitOptions): Promise<MepTask> {
    const deadline = Date.now() + options.timeoutMs;
    let last: MepTask | undefined;
    for (;;) {
      options.signal?.throwIfAborted();
      let failed: MepError | undefined;
      try {
        last = await this.task(taskId, Math.max(1, Math.min(this.options.timeoutMs, deadline - Date.now())));
        if (isTaskFinished(last)) return last;
      } catch (error) {
        options.signal?.throwIfAborted();
        if (!isTransient(error)) throw error;
        failed = error as MepError;
      }
      options.signal?.throwIfAborted();
      const left = deadline - Date.now();
      if (left <= 0) {
        // A poll cut short by the deadline is a timeout of the wait; other failures say more.
        if (failed && failed.kind !== 'Timeout') throw failed;
        throw new MepError('Timeout',
          `task ${taskId} still ${last?.configResult ?? 'PROCESSING'} after ${options.timeoutMs} ms (configPhase ${last?.configPhase ?? '?'})`,
          { detailReason: 'TaskTimeout', lastTask: last, detail: last?.detailed ?? failed?.message });
      }
      try {
        await delay(Math.min(options.intervalMs ?? 500, left), undefined, { signal: options.signal });
      } catch (error) {
        options.signal?.throwIfAborted();
        throw error;
      }
    }
  }

  /** Open sockets of this client's agent (one keep-alive agent per client). */
  socketCount(): number {
    const count = (m: NodeJS.ReadOnlyDict<unknown[]>) => Object.values(m).reduce((n, l) => n + (l?.length ?? 0), 0);
    return count(this.agent.sockets) + count(this.agent.freeSockets);
  }

  /** Closes the agent's sockets; the client must not be used afterwards. */
  close(): void {
    this.agent.destroy();
  }

  private async change(method: 'POST' | 'PUT' | 'DELETE', appInstanceId: string, config?: MepAppConfig): Promise<MepTask> {
    const what = `${method} appd_configuration of ${appInstanceId}`;
    const body = config ? JSON.stringify(toWire(config)) : undefined;
    const answer = await this.send(method, configPath(appInstanceId), what, { appInstanceId, body });
    return this.taskFrom(answer, what);
  }

  private taskFrom(answer: { status: number; text: string }, what: string): MepTask {
    if (answer.status !== 200) throw classifyAnswer(answer.status, parseErrorBody(answer.text), what);
    try {
      return parseTask(this.json(answer.text, what));
    } catch (error) {
      if (error instanceof MepError) throw error;
      throw new MepError('ServerError', `${what}: the MEP answered 200 but not a task: ${(error as Error).message}`, { status: 200 });
    }
  }

  private json(text: string, what: string): unknown {
    try {
      return JSON.parse(text);
    } catch {
      throw new MepError('ServerError', `${what}: the MEP answered 200 with a body that is not JSON`, { status: 200, detail: text.slice(0, 200) });
    }
  }

  private scrub = (text: string): string => {
    const token = this.options.token;
    return token && token.length >= 6 ? text.split(token).join('[redacted]') : text;
  };

  private async send(
    method: string, path: string, what: string,
    extra: { appInstanceId?: string; body?: string; timeoutMs?: number },
  ): Promise<{ status: number; text: string }> {
    const timer = mepRequestDuration.startTimer({ method, resource: path.startsWith(`${API}/tasks/`) ? 'task' : 'configuration' });
    try {
      const answer = await this.resending(method, path, what, extra);
      timer({ outcome: `${Math.trunc(answer.status / 100)}xx` });
      return answer;
    } catch (error) {
      timer({ outcome: error instanceof MepError ? error.kind : 'Unreachable' });
      throw error;
    }
  }

  private async resending(
    method: string, path: string, what: string,
    extra: { appInstanceId?: string; body?: string; timeoutMs?: number },
  ): Promise<{ status: number; text: string }> {
    try {
      return await this.once(method, path, extra);
    } catch (error) {
      // A keep-alive socket the MEP closed while idle fails on reuse before the request reached
      // it (Node's documented pattern: reusedSocket and ECONNRESET); send it once more on a new
      // socket. This is the only resend: any other failure of a change is the caller's to retry.
      if (isStaleSocket(error)) {
        try {
          return await this.once(method, path, extra);
        } catch (again) {
          throw classifyTransport(again, what, this.scrub);
        }
      }
      throw classifyTransport(error, what, this.scrub);
    }
  }

  private once(
    method: string, path: string, extra: { appInstanceId?: string; body?: string; timeoutMs?: number },
  ): Promise<{ status: number; text: string }> {
    const timeoutMs = extra.timeoutMs ?? this.options.timeoutMs;
    const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': 'mecm-operator' };
    if (this.options.token) headers.Authorization = `Bearer ${this.options.token}`;
    // Some mepserver versions check that this header names the instance in the path (the API
    // gateway sets it from the caller's token); the others ignore it.
    if (extra.appInstanceId) headers['X-AppinstanceID'] = extra.appInstanceId;
    if (extra.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(extra.body));
    }
    const url = `${this.base}${path}`;
    const send = this.https ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      let req: ClientRequest | undefined;
      let settled = false;
      const finish = (error: unknown, answer?: { status: number; text: string }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (answer) resolve(answer);
        else reject(error);
      };
      const timer = setTimeout(() => {
        const error = new MepError('Timeout', `${method} ${path}: no answer from the MEP within ${timeoutMs} ms`);
        finish(error);
        req?.destroy(error);
      }, timeoutMs);
      req = send(url, { method, headers, agent: this.agent }, (message: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        message.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_ANSWER_BYTES) chunks.push(chunk);
        });
        message.on('end', () => finish(undefined, {
          status: message.statusCode ?? 0,
          text: this.scrub(Buffer.concat(chunks).toString('utf8')),
        }));
        message.on('error', (error) => finish(error));
        message.on('aborted', () => finish(Object.assign(new Error('the MEP closed the connection mid-answer'), { code: 'ECONNRESET' })));
      });
      req.on('error', (error) => finish(Object.assign(error, { reusedSocket: req?.reusedSocket ?? false })));
      req.end(extra.body);
    });
  }
}

function configPath(appInstanceId: string): string {
  return `${API}/applications/${encodeURIComponent(appInstanceId)}/appd_configuration`;
}

function isStaleSocket(error: unknown): boolean {
  const e = error as { code?: string; reusedSocket?: boolean } | undefined;
  return e?.reusedSocket === true && (e.code === 'ECONNRESET' || e.code === 'EPIPE');
}
