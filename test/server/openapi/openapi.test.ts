import { describe, expect, it } from 'vitest';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { type ErrorBodyT, serverProject } from '../support.js';

interface OpenApiDoc {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, OperationT>>;
  components: { schemas: Record<string, SchemaT>; securitySchemes?: Record<string, unknown> };
  security?: unknown[];
}
interface OperationT {
  parameters?: { in: string; name: string; required?: boolean }[];
  requestBody?: { content: Record<string, { schema: SchemaT }> };
  responses: Record<string, { content?: Record<string, { schema: SchemaT }> }>;
  security?: unknown[];
}
interface SchemaT {
  $ref?: string;
  type?: string;
  properties?: Record<string, SchemaT>;
  items?: SchemaT;
  required?: string[];
  [key: string]: unknown;
}

/** Routes as Fastify has them: full path and methods, parsed from printRoutes' tree. */
function registeredRoutes(server: TestServer): { url: string; methods: string[] }[] {
  const out: { url: string; methods: string[] }[] = [];
  const stack: string[] = [];
  for (const line of server.app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^((?:[│ ] {3})*)[├└]── (\S+)(?: \(([^)]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    stack.push(m[2]!);
    if (m[3]) out.push({ url: stack.join(''), methods: m[3].split(',').map((s) => s.trim()) });
  }
  return out;
}

/** `/api/runs/:id` → `/api/runs/{id}`. */
const toOpenApiPath = (url: string) => url.replace(/:(\w+)/g, '{$1}');
const toFastifyPath = (path: string) => path.replace(/\{(\w+)\}/g, ':$1');

/** Every `$ref` anywhere in the document. */
function refs(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refs(v, found);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') found.push(v);
      else refs(v, found);
    }
  }
  return found;
}

async function spec(server: TestServer): Promise<OpenApiDoc> {
  const res = await api<OpenApiDoc>(server, 'GET', '/api/openapi.json');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  return res.body;
}

describe('GET /api/openapi.json', () => {
  it('is OpenAPI 3.1 with the server version and the API objects as components', async () => {
    const server = await startTestServer(serverProject());
    const doc = await spec(server);
    expect(doc.openapi).toMatch(/^3\.1\./);
    const health = await api<{ version: string }>(server, 'GET', '/api/health');
    expect(doc.info.version).toBe(health.body.version);
    for (const name of ['Run', 'Step', 'Gate', 'Pipeline', 'Error', 'RunDetail', 'Persona'])
      expect(Object.keys(doc.components.schemas)).toContain(name);
    const run = doc.components.schemas.Run!;
    expect(run.type).toBe('object');
    expect(Object.keys(run.properties ?? {}).sort()).toEqual(
      [
        'cancel_requested',
        'child_count',
        'created_at',
        'duration_ms',
        'error',
        'finished_at',
        'id',
        'input',
        'labels',
        'origin',
        'parent',
        'pipeline',
        'queue_position',
        'started_at',
        'status',
        'trigger',
      ].sort(),
    );
    // Every field is required: always present, null when empty.
    expect([...(run.required ?? [])].sort()).toEqual(Object.keys(run.properties ?? {}).sort());
    const error = doc.components.schemas.Error!;
    expect(
      error.properties?.error?.properties && Object.keys(error.properties.error.properties).sort(),
    ).toEqual(['code', 'details', 'message']);
    // Every reference resolves.
    for (const ref of refs(doc)) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(doc.components.schemas[ref.slice('#/components/schemas/'.length)], ref).toBeDefined();
    }
  });

  it('POST /api/runs responses reference Run; GET /api/runs/{id} references RunDetail with Step and Gate', async () => {
    const server = await startTestServer(serverProject());
    const doc = await spec(server);
    const post = doc.paths['/api/runs']!.post!;
    for (const status of ['200', '201'])
      expect(post.responses[status]?.content?.['application/json']?.schema.$ref).toBe(
        '#/components/schemas/Run',
      );
    expect(post.requestBody?.content['application/json']?.schema.required).toEqual(['pipeline']);
    expect(post.parameters?.some((p) => p.in === 'header' && p.name === 'idempotency-key')).toBe(true);
    const detail = doc.paths['/api/runs/{id}']!.get!;
    expect(detail.responses['200']?.content?.['application/json']?.schema.$ref).toBe(
      '#/components/schemas/RunDetail',
    );
    const runDetail = doc.components.schemas.RunDetail!;
    expect(runDetail.properties?.steps?.items?.$ref).toBe('#/components/schemas/Step');
    expect(runDetail.properties?.gates?.items?.$ref).toBe('#/components/schemas/Gate');
    const gate = doc.paths['/api/runs/{id}/gate/{step}']!.post!;
    expect(gate.responses['200']?.content?.['application/json']?.schema.$ref).toBe(
      '#/components/schemas/Gate',
    );
    const list = doc.paths['/api/runs']!.get!;
    const listSchema = list.responses['200']?.content?.['application/json']?.schema;
    expect(listSchema?.properties?.runs?.items?.$ref).toBe('#/components/schemas/Run');
    expect(
      (list.parameters ?? [])
        .filter((p) => p.in === 'query')
        .map((p) => p.name)
        .sort(),
    ).toEqual(
      ['cursor', 'include_children', 'label', 'limit', 'origin', 'parent', 'pipeline', 'status'].sort(),
    );
  });

  it('documents exactly the routes Fastify serves under /api, and every documented one is served', async () => {
    const server = await startTestServer(serverProject());
    const doc = await spec(server);
    const routes = registeredRoutes(server);
    expect(routes.length).toBeGreaterThan(10);

    // Registered → documented (HEAD is Fastify's automatic twin of GET; openapi.json may hide itself).
    const hidden = new Set(['GET /api/openapi.json']);
    const missing: string[] = [];
    for (const route of routes) {
      if (!route.url.startsWith('/api/')) continue;
      for (const method of route.methods) {
        if (method === 'HEAD' || hidden.has(`${method} ${route.url}`)) continue;
        if (!doc.paths[toOpenApiPath(route.url)]?.[method.toLowerCase()])
          missing.push(`${method} ${route.url}`);
      }
    }
    expect(missing).toEqual([]);
    expect(routes.some((r) => r.url === '/metrics')).toBe(true);
    expect(doc.paths['/metrics']).toBeUndefined();

    // Documented → routed: a request to each is answered by its route, never `no route`.
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => ({ path, method: m.toUpperCase() })),
    );
    expect(documented.length).toBeGreaterThan(10);
    for (const { path, method } of documented) {
      expect(path.startsWith('/api/'), path).toBe(true);
      expect(
        server.app.hasRoute({ method: method as 'GET', url: toFastifyPath(path) }),
        `${method} ${path}`,
      ).toBe(true);
      const url = path.replace(/\{(\w+)\}/g, 'x');
      const controller = new AbortController();
      const res = await fetch(`${server.url}${url}`, {
        method,
        signal: controller.signal,
        ...(method === 'POST' ? { headers: { 'content-type': 'application/json' }, body: '{}' } : {}),
      });
      if ((res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
        controller.abort();
        expect(res.status).toBe(200);
        continue;
      }
      const text = await res.text();
      expect(res.status, `${method} ${url}: ${text}`).toBeLessThan(500);
      if (res.status === 404)
        expect((JSON.parse(text) as ErrorBodyT).error.code, `${method} ${url}`).not.toBe('not_found');
    }
  });

  it('health and the document itself need no credentials', async () => {
    const server = await startTestServer(serverProject());
    const doc = await spec(server);
    expect(doc.components.securitySchemes).toHaveProperty('bearer');
    expect(doc.components.securitySchemes).toHaveProperty('mtls');
    expect(doc.paths['/api/health']!.get!.security).toEqual([]);
    // Either scheme: a list of modes accepts the first that succeeds.
    expect(doc.paths['/api/runs']!.post!.security ?? doc.security).toEqual([{ bearer: [] }, { mtls: [] }]);
  });
});
