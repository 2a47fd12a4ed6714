import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';
import { assertErrorShape, createRun, serverProject, waitForGate, waitForStatus } from './support.js';

/** mulberry32: a small seeded PRNG, so a failure replays exactly. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const chance = (p: number) => next() < p;
  return { next, int, pick, chance };
}
type Rng = ReturnType<typeof prng>;

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

interface FuzzResponse {
  status: number;
  contentType: string;
  body: string;
}

/** Sends a request exactly as built (raw path, raw headers); SSE streams are closed at once. */
function send(server: TestServer, req: FuzzRequest): Promise<FuzzResponse | { clientError: string }> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (value: FuzzResponse | { clientError: string }) => {
      if (!settled) {
        settled = true;
        resolve(value);
      }
    };
    let r: ReturnType<typeof httpRequest>;
    try {
      r = httpRequest(
        { host: '127.0.0.1', port: server.port, method: req.method, path: req.path, headers: req.headers },
        (res) => {
          const contentType = String(res.headers['content-type'] ?? '');
          if (contentType.startsWith('text/event-stream')) {
            // Only the status and headers matter; close the stream promptly.
            done({ status: res.statusCode ?? 0, contentType, body: '' });
            res.destroy();
            r.destroy();
            return;
          }
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            done({ status: res.statusCode ?? 0, contentType, body: Buffer.concat(chunks).toString() }),
          );
          res.on('error', (err) => done({ clientError: err.message }));
        },
      );
    } catch (err) {
      // Node's client refuses some paths/headers before sending: not the server's doing.
      done({ clientError: (err as Error).message });
      return;
    }
    r.setTimeout(15_000, () => r.destroy(new Error('timed out')));
    r.on('error', (err) => done({ clientError: err.message }));
    if (req.body) r.end(req.body);
    else r.end();
  });
}

const ODD_STRINGS = [
  '',
  ' ',
  'a',
  'hello',
  'quick',
  'gated',
  '..',
  '.',
  '../x',
  '../../etc/passwd',
  '/',
  '\\',
  'é',
  '日本語',
  '😀',
  '\u0000',
  '\u202e',
  'null',
  'true',
  '0',
  '-1',
  '1e309',
  '<script>',
  "' OR 1=1 --",
  '%',
  '{}',
  '[]',
];

/** A path segment: encoded odd strings, raw odd encodings, or very long ids. */
function segment(rng: Rng, known: readonly string[]): string {
  const r = rng.int(10);
  if (r < 3 && known.length) return rng.pick(known);
  if (r === 3)
    return rng.pick(['%ZZ', '%', '%C3%28', '%2F', '..%2F..%2F', '%2e%2e', '%00', '%E2%80%AE', '%FF']);
  if (r === 4) return 'x'.repeat(rng.pick([199, 200, 201, 499, 500, 501, 2000]));
  if (r === 5) return rng.pick(['..', '.', 'a.b', '~', '-', '_']);
  return encodeURIComponent(rng.pick(ODD_STRINGS) + (rng.chance(0.3) ? String(rng.int(1000)) : ''));
}

const QUERY_KEYS = [
  'status',
  'pipeline',
  'label',
  'limit',
  'cursor',
  'since',
  'types',
  'step',
  'format',
  'access_token',
  'x',
  '',
];
const QUERY_VALUES = [
  '',
  'queued',
  'completed,failed',
  'bogus',
  ',,,',
  'a:b',
  'nocolon',
  '1',
  '0',
  '200',
  '201',
  '-5',
  '1.5',
  'NaN',
  '1e3',
  'ndjson',
  'text',
  'xml',
  'run_started,bogus',
  'run_queued',
  '%ZZ',
  '%',
  '%00',
  '%C3%28',
  'cjE',
  'cjE=x',
  '日本',
];

function query(rng: Rng): string {
  if (rng.chance(0.3)) return '';
  const parts: string[] = [];
  const n = 1 + rng.int(4);
  for (let i = 0; i < n; i++) {
    const key = rng.pick(QUERY_KEYS);
    let value = rng.pick(QUERY_VALUES);
    if (rng.chance(0.05)) value = 'v'.repeat(4000 + rng.int(4000));
    if (!/%/.test(value)) value = encodeURIComponent(value);
    parts.push(rng.chance(0.1) ? key : `${key}=${value}`);
    if (rng.chance(0.2)) parts.push(`${key}=${value}`); // repeated key
  }
  return `?${parts.join(rng.chance(0.1) ? '&&' : '&')}`;
}

function jsonValue(rng: Rng, depth: number): unknown {
  const r = rng.int(depth > 4 ? 6 : 9);
  switch (r) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick([0, -1, 1.5, 2 ** 53 + 1, -1e308, 42]);
    case 3:
      return rng.pick(ODD_STRINGS);
    case 4:
      return 's'.repeat(rng.pick([1, 100, 10_000, 200_000]));
    case 5:
      return rng.pick(['yes', 'no', 'red', 'quick', 'gated', 'hello']);
    case 6:
      return Array.from({ length: rng.int(4) }, () => jsonValue(rng, depth + 1));
    default: {
      const obj: Record<string, unknown> = {};
      const keys = [
        'pipeline',
        'input',
        'labels',
        'choice',
        'text',
        'approved',
        '__proto__',
        'constructor',
        'x',
        '',
      ];
      for (let i = rng.int(4); i > 0; i--) obj[rng.pick(keys)] = jsonValue(rng, depth + 1);
      return obj;
    }
  }
}

/** A body that is plausible, wrong in type, malformed, or not JSON at all. */
function body(rng: Rng, plausible: () => unknown): { body: Buffer; type: string | undefined } {
  const r = rng.int(10);
  const type = rng.chance(0.8)
    ? 'application/json'
    : rng.pick([
        undefined,
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/json; charset=utf-16',
        'application/merge-patch+json',
        'application/xml',
        'multipart/form-data; boundary=zz',
        '*/*',
        'application/json;;;',
        '',
      ]);
  if (r < 5) return { body: Buffer.from(JSON.stringify(plausible())), type };
  if (r < 7) return { body: Buffer.from(JSON.stringify(jsonValue(rng, 0)) ?? 'null'), type };
  if (r === 7)
    return {
      body: Buffer.from(
        rng.pick(['{', '{"a":', '[1,2', '{"pipeline":"quick",}', "{'a':1}", 'nul', '\u0000', '{"a":1}}']),
      ),
      type,
    };
  if (r === 8) return { body: Buffer.from(`{"pipeline":"quick","input":"${'i'.repeat(1_100_000)}"}`), type };
  return { body: Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x22]), type };
}

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'];

describe('fuzz', () => {
  it('no request, however malformed, gets a 5xx; every error has the documented shape', async () => {
    const server = await startTestServer(serverProject(), { flags: { mock: true, maxConcurrent: 2 } });
    // Real ids, steps and artifacts for some of the requests to hit.
    const done = await createRun(server, 'arts');
    const waiting = await createRun(server, 'gated');
    await waitForStatus(server, done.id, ['completed']);
    await waitForGate(server, waiting.id, 'ask');
    const runIds = [done.id, waiting.id];
    const steps = ['make', 'other', 'ask', 'build', 'ship'];
    const names = ['data', 'notes', 'note.txt', 'blob'];

    const rng = prng(0x5eed);
    const plausibleRun = () => ({
      pipeline: rng.pick(['quick', 'gated', 'hello', 'needs', 'nope', '']),
      ...(rng.chance(0.5) ? { input: rng.pick(ODD_STRINGS) } : {}),
      ...(rng.chance(0.3)
        ? { labels: { [rng.pick(['k', '', 'é'])]: rng.pick(['v', 'x'.repeat(600)]) } }
        : {}),
    });
    const plausibleAnswer = () =>
      rng.pick([
        { choice: 'yes' },
        { choice: 'no', text: 'because' },
        { approved: rng.chance(0.5) },
        { choice: 'maybe' },
        { choice: 'yes', approved: true },
        {},
      ]);
    const routes: { method: string; path: (rng: Rng) => string; body?: () => unknown; sse?: boolean }[] = [
      { method: 'GET', path: () => '/api/health' },
      { method: 'GET', path: () => '/api/openapi.json' },
      { method: 'GET', path: () => '/api/pipelines' },
      { method: 'GET', path: (g) => `/api/pipelines/${segment(g, ['quick', 'gated', 'hello'])}` },
      { method: 'GET', path: () => '/api/personas' },
      { method: 'POST', path: () => '/api/runs', body: plausibleRun },
      { method: 'GET', path: () => '/api/runs' },
      { method: 'GET', path: (g) => `/api/runs/${segment(g, runIds)}` },
      { method: 'GET', path: (g) => `/api/runs/${segment(g, runIds)}/logs` },
      { method: 'POST', path: (g) => `/api/runs/${segment(g, runIds)}/cancel`, body: () => ({}) },
      {
        method: 'POST',
        path: (g) => `/api/runs/${segment(g, runIds)}/gate/${segment(g, steps)}`,
        body: plausibleAnswer,
      },
      {
        method: 'GET',
        path: (g) => `/api/runs/${segment(g, runIds)}/artifacts/${segment(g, steps)}/${segment(g, names)}`,
      },
      { method: 'GET', path: (g) => `/api/runs/${segment(g, runIds)}/events`, sse: true },
      { method: 'GET', path: () => '/api/events', sse: true },
      { method: 'GET', path: () => '/metrics' },
      { method: 'GET', path: (g) => `/api/${segment(g, [])}` },
    ];

    const statuses = new Map<number, number>();
    const failures: string[] = [];
    let clientErrors = 0;
    const TOTAL = 360;
    for (let i = 0; i < TOTAL; i += 4) {
      const batch: FuzzRequest[] = [];
      for (let j = 0; j < 4; j++) {
        const route = rng.pick(routes);
        const method = rng.chance(0.15) ? rng.pick(METHODS) : route.method;
        const headers: Record<string, string> = {};
        let payload: Buffer | undefined;
        if (
          method === 'POST' ||
          method === 'PUT' ||
          method === 'PATCH' ||
          (method === 'DELETE' && rng.chance(0.3))
        ) {
          const b = body(rng, route.body ?? (() => jsonValue(rng, 0)));
          payload = b.body;
          if (b.type !== undefined) headers['content-type'] = b.type;
        }
        if (route.sse || rng.chance(0.05)) {
          if (rng.chance(0.7))
            headers['last-event-id'] = rng.pick([
              '0',
              '1',
              '5',
              '-1',
              'abc',
              '',
              ' 3 ',
              '1.5',
              '99999999999999999999999',
              '0x10',
              '%ZZ',
              'x'.repeat(2000),
            ]);
        }
        if (rng.chance(0.1)) headers['idempotency-key'] = rng.pick(['k', '', 'x'.repeat(300), 'é']);
        if (rng.chance(0.05)) headers.accept = rng.pick(['text/html', 'application/xml', '*/*', '']);
        batch.push({
          method,
          path: route.path(rng) + query(rng),
          headers,
          ...(payload ? { body: payload } : {}),
        });
      }
      const results = await Promise.all(batch.map((req) => send(server, req)));
      results.forEach((res, k) => {
        const req = batch[k]!;
        const what = `${req.method} ${req.path.slice(0, 120)} ${JSON.stringify(req.headers).slice(0, 200)}`;
        if ('clientError' in res) {
          clientErrors++;
          return;
        }
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status >= 500) {
          failures.push(`${res.status} for ${what}: ${res.body.slice(0, 300)}`);
          return;
        }
        if (res.status >= 400 && req.method !== 'HEAD') {
          try {
            expect(res.contentType).toMatch(/^application\/json/);
            assertErrorShape(JSON.parse(res.body));
          } catch (err) {
            failures.push(
              `bad error body (${res.status}) for ${what}: ${res.body.slice(0, 300)} ${(err as Error).message}`,
            );
          }
        } else if (res.contentType.startsWith('application/json') && req.method !== 'HEAD') {
          try {
            JSON.parse(res.body);
          } catch {
            failures.push(`unparsable JSON (${res.status}) for ${what}`);
          }
        }
      });
    }
    if (process.env.FUZZ_DEBUG) console.log(clientErrors, [...statuses].sort());
    expect(failures).toEqual([]);
    // The fuzz reached past the validators and into the routes.
    expect(clientErrors).toBeLessThan(TOTAL / 10);
    for (const status of [200, 400, 404]) expect(statuses.get(status) ?? 0).toBeGreaterThan(0);
    expect((statuses.get(413) ?? 0) + (statuses.get(415) ?? 0)).toBeGreaterThan(0);

    // The server is still well.
    const health = await api<{ status: string }>(server, 'GET', '/api/health');
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('ok');
    await eventually(() => server.ctx.sse.clientCount === 0, 10_000, 'every SSE stream to be closed');
  }, 120_000);
});
