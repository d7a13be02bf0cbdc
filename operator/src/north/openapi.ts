/**
 * The OpenAPI 3.1 document of North, built from the route declarations that fastify validates
 * requests with (route.ts): the document cannot drift from what is enforced. 3.1 takes the JSON
 * Schemas as they are.
 */
import type { RouteSpec } from './route.js';

type Json = Record<string, unknown>;

const errorBody = {
  north: { type: 'object', properties: { retCode: { type: 'integer' }, message: { type: 'string' } }, required: ['retCode', 'message'] },
  lcm: { type: 'object', properties: { retCode: { type: 'integer' }, message: { type: 'string' } }, required: ['retCode', 'message'] },
  own: {
    type: 'object', properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' }, instance: { type: 'string' } },
  },
} as const;

/** JSON Schema without TypeBox's own keys (symbols are not copied by JSON). */
const plain = (schema: unknown): Json => JSON.parse(JSON.stringify(schema)) as Json;

function parameters(spec: RouteSpec): Json[] {
  const out: Json[] = [];
  for (const [where, schema] of [['path', spec.params], ['query', spec.querystring]] as const) {
    if (!schema) continue;
    const object = plain(schema) as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, property] of Object.entries(object.properties ?? {})) {
      out.push({ name, in: where, required: where === 'path' || (object.required ?? []).includes(name), schema: property, ...(property.description ? { description: property.description } : {}) });
    }
  }
  return out;
}

function requestBody(spec: RouteSpec): Json | undefined {
  if (spec.body) return { required: false, content: { 'application/json': { schema: plain(spec.body) } } };
  if (!spec.multipart) return undefined;
  const fields = plain(spec.multipart.fields) as { properties?: Json; required?: string[] };
  return {
    required: true,
    content: {
      'multipart/form-data': {
        schema: {
          type: 'object',
          properties: { ...fields.properties, [spec.multipart.fileField]: { type: 'string', format: 'binary', description: spec.multipart.fileDescription } },
          required: [...fields.required ?? [], spec.multipart.fileField],
        },
      },
    },
  };
}

function responses(spec: RouteSpec): Json {
  const out: Json = {};
  for (const [status, answer] of Object.entries(spec.answers)) {
    out[status] = {
      description: answer.description,
      ...(answer.text ? { content: { 'text/plain': { schema: { type: 'string' } } } } : {}),
      ...(answer.schema ? { content: { 'application/json': { schema: plain(answer.schema) } } } : {}),
    };
  }
  const errorType = spec.family === 'own' ? 'application/problem+json' : 'application/json';
  out['4XX'] = { description: 'Refused: the message says why and what to do.', content: { [errorType]: { schema: errorBody[spec.family] } } };
  return out;
}

export function openApiDocument(specs: readonly RouteSpec[], info: { readonly version: string }): Json {
  const paths: Record<string, Json> = {};
  for (const spec of specs) {
    const path = spec.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const body = requestBody(spec);
    const params = parameters(spec);
    paths[path] = {
      ...paths[path],
      [spec.method.toLowerCase()]: {
        operationId: spec.operationId, summary: spec.summary, ...(spec.description ? { description: spec.description } : {}),
        tags: [spec.family === 'lcm' ? 'lcmcontroller' : spec.family === 'north' ? 'north' : 'operator'],
        ...(params.length ? { parameters: params } : {}),
        ...(body ? { requestBody: body } : {}),
        responses: responses(spec),
        ...(spec.authenticated ? {} : { security: [] }),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'MECM Operator North API', version: info.version,
      description: 'The EdgeGallery MECM North and lcmcontroller calls an unmodified EdgeGallery appstore makes, served by the MECM operator from its CRs. See docs/north.md.',
    },
    components: {
      securitySchemes: {
        accessToken: { type: 'apiKey', in: 'header', name: 'access_token', description: 'An EdgeGallery user JWT or a Kubernetes token.' },
        bearer: { type: 'http', scheme: 'bearer', description: 'A Kubernetes token (TokenReview).' },
      },
    },
    security: [{ accessToken: [] }, { bearer: [] }],
    paths,
  };
}
