import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import type { OpenAPIV3_1 } from 'openapi-types';

type Transform = NonNullable<FastifyDynamicSwaggerOptions['transform']>;
type TransformObject = NonNullable<FastifyDynamicSwaggerOptions['transformObject']>;
type ResponseMap = Record<string, { headers?: unknown }>;

/**
 * The zod transform keeps only `description` and `content` of a response declared by media
 * type; its `headers` (Location, Retry-After…) are put back for @fastify/swagger to document.
 */
const transform: Transform = (input) => {
  const out = jsonSchemaTransform(input as Parameters<typeof jsonSchemaTransform>[0]);
  const declared = (input.schema as { response?: ResponseMap }).response;
  const produced = (out.schema as { response?: ResponseMap }).response;
  if (declared && produced) {
    for (const [status, response] of Object.entries(declared)) {
      const target = produced[status];
      if (response.headers && target) target.headers = response.headers;
    }
  }
  return out;
};

/** Every `#/components/schemas/…` name referenced anywhere in `value`. */
function referencedSchemas(value: unknown, found: Set<string>): Set<string> {
  if (Array.isArray(value)) for (const v of value) referencedSchemas(v, found);
  else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === '$ref' && typeof v === 'string' && v.startsWith('#/components/schemas/'))
        found.add(v.slice('#/components/schemas/'.length));
      else referencedSchemas(v, found);
    }
  }
  return found;
}

/**
 * The zod transform adds an input and an output component for every named schema; only those
 * an operation reaches (directly or through another component) are kept, so the document has
 * no dead components.
 */
const transformObject: TransformObject = (input) => {
  const doc = jsonSchemaTransformObject(input) as {
    components?: { schemas?: Record<string, unknown> };
  } & Record<string, unknown>;
  const schemas = doc.components?.schemas;
  if (!schemas) return doc as ReturnType<TransformObject>;
  const { components, ...rest } = doc;
  const used = referencedSchemas([rest, { ...components, schemas: undefined }], new Set());
  // A Set's iteration also visits what is added during it: this follows references transitively.
  for (const name of used) referencedSchemas(schemas[name], used);
  const kept = Object.fromEntries(Object.entries(schemas).filter(([name]) => used.has(name)));
  return { ...doc, components: { ...components, schemas: kept } } as ReturnType<TransformObject>;
};

/** Tags group the operations in generated clients and documentation. */
const TAGS = [
  { name: 'server', description: 'Health of the server.' },
  { name: 'pipelines', description: 'The pipelines and personas of the project.' },
  { name: 'runs', description: 'Queue runs, follow them, cancel them, answer their gates.' },
  { name: 'events', description: 'Server-Sent Events streams of run events.' },
  { name: 'webhooks', description: 'GitHub and GitLab deliveries that start runs.' },
  { name: 'insights', description: "Figures over runs: insights over a window, a run's retrospective." },
];

/** @fastify/swagger options: the document `GET /api/openapi.json` serves. */
export function openApiOptions(version: string): FastifyDynamicSwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Wave API',
        version,
        description: 'Queue pipeline runs, stream their events, answer their gates.',
        license: { name: 'MIT', identifier: 'MIT' },
      },
      // Relative: the document is right whatever address or proxy it is fetched through.
      servers: [{ url: '/', description: 'This server' }],
      tags: TAGS,
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description: 'server.auth.mode jwt: a token whose `scope` grants what the operation needs.',
          },
          // OpenAPI 3.1 has `mutualTLS`; the openapi-types package does not know it yet.
          mtls: {
            type: 'mutualTLS',
            description: 'server.auth.mode mtls: a client certificate signed by server.tls.ca.',
          } as unknown as OpenAPIV3_1.SecuritySchemeObject,
        },
      },
      security: [{ bearer: [] }, { mtls: [] }],
    },
    transform,
    transformObject,
  };
}
