/**
 * The North server: fastify with EdgeGallery's routes (order flow under /north/v1, experience
 * flow under /lcmcontroller) and our OpenAPI document at /north/openapi.json. Every replica of
 * the operator serves it: reads come from the informer caches, writes are CR writes.
 *
 * Whatever a client sends, the answer is 4xx with a message (never a crash, never 5xx for bad
 * input): schemas validate params, queries and JSON bodies (no type coercion); JSON bodies are
 * capped; multipart bodies go through uploads.ts; every error becomes the body shape of the
 * route's family (answers.ts). A 500 means a bug, and says nothing more.
 */
import { readFileSync, watchFile, unwatchFile } from 'node:fs';
import type { Server as HttpsServer } from 'node:https';
import fastifyMultipart from '@fastify/multipart';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { errorMessage } from '../runtime/logger.js';
import { errorAnswer, familyOfPath, withoutNulls, type Json, type Refusal } from './answers.js';
import type { NorthDeps } from './deps.js';
import { NorthError } from './errors.js';
import { openApiDocument } from './openapi.js';
import { routesOf } from './route.js';
import { lcmHostRoutes } from './routes/lcm-hosts.js';
import { lcmInstanceRoutes } from './routes/lcm-instances.js';
import { lcmPackageRoutes } from './routes/lcm-packages.js';
import { orderRoutes } from './routes/order.js';

export interface NorthTls {
  readonly certFile: string;
  readonly keyFile: string;
}

/** Largest JSON body (lcmcontroller took 4 KiB; the appstore's are smaller). */
const maxJsonBytes = 64 * 1024;

export async function buildNorth(deps: NorthDeps, tls?: NorthTls): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: maxJsonBytes,
    routerOptions: { maxParamLength: 256 },
    // Uploads of large packages take a while; the headers must come quickly.
    requestTimeout: 15 * 60_000,
    connectionTimeout: 0,
    keepAliveTimeout: 5_000,
    return503OnClosing: true,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false } },
    ...(tls ? { https: { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) } } : {}),
  }) as unknown as FastifyInstance;

  // The appstore sends Content-Type: application/json with no body on POSTs without one
  // (terminate): an empty body is no body, not an error.
  const json = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: maxJsonBytes }, (request, body, done) => {
    if (typeof body === 'string' && body.trim() === '') return done(null, undefined);
    return json(request, body as string, done);
  });
  await app.register(fastifyMultipart, { throwFileSizeLimit: true, limits: { fileSize: deps.settings.maxUploadBytes, files: 1 } });

  app.setErrorHandler((error: FastifyError | NorthError, request, reply) => {
    const family = request.routeOptions.config.family ?? familyOfPath(request.url);
    let refusal: Refusal;
    if (error instanceof NorthError) refusal = error;
    else if ('validation' in error && error.validation) refusal = { status: 400, message: `invalid request: ${error.message}`, code: 31002 };
    else if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) refusal = { status: error.statusCode, message: error.message, code: error.statusCode };
    else {
      deps.log.error('North request failed', { method: request.method, route: request.routeOptions.url, error: errorMessage(error) });
      refusal = { status: 500, message: 'internal error', code: 31500 };
    }
    const answer = errorAnswer(family, refusal, request.url.split('?')[0] ?? '');
    if (answer.status === 401 && family !== 'own') void reply.header('WWW-Authenticate', 'Bearer');
    return reply.code(answer.status).type(answer.contentType).send(JSON.stringify(withoutNulls(answer.body)));
  });
  app.setNotFoundHandler((request, reply) => {
    const answer = errorAnswer(familyOfPath(request.url), { status: 404, message: `no route ${request.method} ${request.url.split('?')[0]?.slice(0, 200)}` }, request.url.split('?')[0] ?? '');
    return reply.code(404).type(answer.contentType).send(JSON.stringify(withoutNulls(answer.body)));
  });

  orderRoutes(app, deps);
  lcmPackageRoutes(app, deps);
  lcmInstanceRoutes(app, deps);
  lcmHostRoutes(app, deps);
  const document = openApiDocument(routesOf(app), { version: '0.1.0' });
  app.get('/north/openapi.json', { config: { family: 'own' } }, async (_request, reply) => reply.type('application/json').send(document));
  return app;
}

/** Sends a JSON answer with status 200 and no null anywhere. */
export function ok(body: Json): string {
  return JSON.stringify(withoutNulls(body));
}

export interface RunningNorth {
  readonly app: FastifyInstance;
  /** `http(s)://host:port` it listens on. */
  readonly url: string;
  close(): Promise<void>;
}

/** Builds and listens on `host:port`; with TLS, the certificate files are re-read when they change (a Secret volume updates them). */
export async function serveNorth(deps: NorthDeps, bind: { host: string; port: number }, tls?: NorthTls): Promise<RunningNorth> {
  const app = await buildNorth(deps, tls);
  await app.listen({ host: bind.host, port: bind.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : bind.port;
  const reload = () => {
    try {
      (app.server as HttpsServer).setSecureContext({ cert: readFileSync(tls!.certFile), key: readFileSync(tls!.keyFile) });
      deps.log.info('North TLS certificate reloaded', {});
    } catch (error) {
      deps.log.warn('North TLS certificate not reloaded; the previous one stays', { error: errorMessage(error) });
    }
  };
  if (tls) watchFile(tls.certFile, { interval: 10_000 }, reload);
  return {
    app, url: `${tls ? 'https' : 'http'}://${bind.host === '0.0.0.0' ? '127.0.0.1' : bind.host}:${port}`,
    async close() {
      if (tls) unwatchFile(tls.certFile, reload);
      await app.close();
    },
  };
}
