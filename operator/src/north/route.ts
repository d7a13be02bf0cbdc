/**
 * One way to declare a North route: its method, path, family (whose error shapes it answers
 * with), request schemas and answers. The same declaration registers the route with fastify —
 * whose Ajv validates params, query and JSON bodies against these schemas — and becomes the
 * route's entry in the OpenAPI document (openapi.ts). Multipart bodies are validated by the
 * handler against `multipart.fields`, the schema the document shows.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TSchema } from 'typebox';
import type { RouteFamily } from './answers.js';

export interface RouteAnswer {
  readonly description: string;
  /** JSON body schema; absent with `text` for a text/plain answer. */
  readonly schema?: TSchema;
  readonly text?: true;
}

export interface RouteSpec {
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** fastify syntax: /a/:b */
  readonly url: string;
  readonly family: Exclude<RouteFamily, 'own'> | 'own';
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  /** Whether a token is needed (the lcmcontroller health check is open). */
  readonly authenticated: boolean;
  readonly params?: TSchema;
  readonly querystring?: TSchema;
  readonly body?: TSchema;
  readonly multipart?: { readonly fields: TSchema; readonly fileField: string; readonly fileDescription: string };
  readonly answers: Readonly<Record<number, RouteAnswer>>;
}

export type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/** Registered specs by app, for the OpenAPI document. */
const registered = new WeakMap<FastifyInstance, RouteSpec[]>();

export function addRoute(app: FastifyInstance, spec: RouteSpec, handler: Handler): void {
  app.route({
    method: spec.method,
    url: spec.url,
    schema: {
      ...(spec.params ? { params: spec.params } : {}),
      ...(spec.querystring ? { querystring: spec.querystring } : {}),
      ...(spec.body ? { body: spec.body } : {}),
    },
    config: { family: spec.family },
    handler,
  });
  registered.set(app, [...registered.get(app) ?? [], spec]);
}

export function routesOf(app: FastifyInstance): readonly RouteSpec[] {
  return registered.get(app) ?? [];
}

declare module 'fastify' {
  interface FastifyContextConfig {
    family?: RouteFamily;
  }
}
