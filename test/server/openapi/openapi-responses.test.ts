import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { SECRET, token } from '../../helpers/auth.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { yaml } from '../../helpers/tmp.js';
import { assertErrorShape, createRun, serverProject, waitForGate, waitForStatus } from '../support.js';

interface Doc {
  paths: Record<string, Record<string, Operation>>;
  security: unknown[];
}
interface Operation {
  operationId: string;
  security?: unknown[];
  responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
}
interface Probe {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}
interface Answer {
  status: number;
  contentType: string;
  body: string;
}

const GH_SECRET = 'github-webhook-secret';
const WEBHOOKS = yaml`
  webhooks:
    github:
      secret: ${GH_SECRET}
      triggers:
        - { event: push, pipeline: quick }
`;

/** A request exactly as built (any Host, any body); SSE streams are closed once answered. */
function send(server: TestServer, probe: Probe): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: server.port, method: probe.method, path: probe.url, headers: probe.headers },
      (res) => {
        const contentType = String(res.headers['content-type'] ?? '');
        const status = res.statusCode ?? 0;
        if (contentType.startsWith('text/event-stream')) {
          req.destroy();
          resolve({ status, contentType, body: '' });
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status, contentType, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error(`no answer to ${probe.method} ${probe.url}`)));
    req.on('error', reject);
    req.end(probe.body);
  });
}

/** `/api/runs/{id}` with `{id}` (and the others) filled in. */
const fill = (path: string, values: Record<string, string>) =>
  path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(values[name] ?? 'x'));

/**
 * Sends each operation its probes and checks every answer against the document: the status is
 * one the operation documents, the media type one documented for it, and an error is the
 * Error object. Returns the statuses seen.
 */
async function conform(
  server: TestServer,
  doc: Doc,
  probesFor: (path: string, method: string, op: Operation) => Probe[],
): Promise<{ failures: string[]; seen: Set<number> }> {
  const failures: string[] = [];
  const seen = new Set<number>();
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      for (const probe of probesFor(path, method.toUpperCase(), op)) {
        const answer = await send(server, probe);
        const what = `${op.operationId} (${probe.method} ${probe.url.slice(0, 80)}) answered ${answer.status}`;
        seen.add(answer.status);
        const documented = op.responses[String(answer.status)];
        if (!documented) {
          failures.push(`${what}, which it does not document: ${answer.body.slice(0, 200)}`);
          continue;
        }
        const media = answer.contentType.split(';')[0]!.trim();
        const types = Object.keys(documented.content ?? {});
        if (!types.includes(media)) failures.push(`${what} as ${media}; documented: ${types.join(', ')}`);
        if (answer.status >= 400) {
          expect(documented.content?.['application/json']?.schema.$ref, what).toBe(
            '#/components/schemas/Error',
          );
          assertErrorShape(JSON.parse(answer.body));
        }
      }
    }
  }
  return { failures, seen };
}

const json = (value: unknown, headers: Record<string, string> = {}) => ({
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(value),
});

/** A request with `headers`, and an empty JSON object as the body of a POST. */
const bare = (method: string, url: string, headers: Record<string, string> = {}): Probe =>
  method === 'POST' ? { method, url, ...json({}, headers) } : { method, url, headers };

async function openApi(server: TestServer): Promise<Doc> {
  const res = await fetch(`${server.url}/api/openapi.json`);
  return (await res.json()) as Doc;
}

describe('every answer is documented', () => {
  it('without auth: successes with their media types, and every error an operation can give', async () => {
    const server = await startTestServer(
      serverProject({ 'wave.yaml': `server:\n  body_limit: 4096\n${WEBHOOKS.replace(/^/gm, '  ')}` }),
    );
    const doc = await openApi(server);
    const done = await createRun(server, 'arts');
    const waiting = await createRun(server, 'gated');
    await waitForStatus(server, done.id, ['completed']);
    await waitForGate(server, waiting.id, 'ask');

    const pushBody = JSON.stringify({ ref: 'refs/heads/main' });
    const signature = `sha256=${createHmac('sha256', GH_SECRET).update(pushBody).digest('hex')}`;
    const valid: Record<string, Probe[]> = {
      createRun: [{ method: 'POST', url: '/api/runs', ...json({ pipeline: 'quick' }) }],
      answerGate: [
        { method: 'POST', url: `/api/runs/${waiting.id}/gate/ask`, ...json({ choice: 'yes' }) },
        { method: 'POST', url: `/api/runs/${waiting.id}/gate/ask`, ...json({ choice: 'yes' }) },
      ],
      cancelRun: [{ method: 'POST', url: `/api/runs/${done.id}/cancel`, ...json({}) }],
      getArtifact: ['data', 'notes', 'note.txt', 'blob'].map((name) => ({
        method: 'GET',
        url: `/api/runs/${done.id}/artifacts/make/${name}`,
      })),
      getRunLogs: ['text', 'ndjson'].map((format) => ({
        method: 'GET',
        url: `/api/runs/${done.id}/logs?format=${format}`,
      })),
      receiveGitHubWebhook: [
        {
          method: 'POST',
          url: '/api/webhooks/github',
          headers: {
            'content-type': 'application/json',
            'x-github-event': 'push',
            'x-hub-signature-256': signature,
          },
          body: pushBody,
        },
        { method: 'POST', url: '/api/webhooks/github', ...json({}, { 'x-github-event': 'push' }) },
      ],
    };
    const values = { id: done.id, step: 'make', name: 'quick' };
    const { failures, seen } = await conform(server, doc, (path, method, op) => {
      const url = fill(path, values);
      const probes: Probe[] = valid[op.operationId] ?? [{ method, url }];
      // Unknown and over-long path parameters.
      if (path.includes('{')) {
        probes.push({ method, url: fill(path, {}) });
        probes.push({
          method,
          url: fill(path, { id: 'i'.repeat(201), step: 's'.repeat(201), name: 'n'.repeat(301) }),
        });
      }
      // Query values no schema accepts; a cursor that is not a number.
      probes.push({ method, url: `${url}?limit=0&since=-1&format=xml&types=bogus&status=bogus` });
      probes.push({ method, url, headers: { 'last-event-id': 'abc' } });
      // DNS rebinding and cross-site requests (refused on a server without auth).
      probes.push({ method, url, headers: { host: 'evil.example' } });
      if (method === 'POST') {
        const origin = { origin: 'http://evil.example' };
        probes.push({ method, url, ...json({ pipeline: 'quick' }, origin) });
        probes.push({ method, url, headers: { 'content-type': 'application/json' }, body: '{"pipeline":' });
        probes.push({ method, url, headers: { 'content-type': 'text/plain' }, body: 'quick' });
        probes.push({ method, url, ...json({ pipeline: 'quick' }, { 'content-encoding': 'gzip' }) });
        probes.push({ method, url, ...json({ pipeline: 'quick', input: 'i'.repeat(5000) }) });
        probes.push({ method, url, ...json({ pipeline: 'quick', unknown: true, choice: 'nope' }) });
        probes.push({ method, url, ...json({ pipeline: 'no-such-pipeline' }) });
        // The same Idempotency-Key with another body.
        probes.push({ method, url, ...json({ pipeline: 'quick' }, { 'idempotency-key': 'probe' }) });
        probes.push({
          method,
          url,
          ...json({ pipeline: 'quick', input: 'other' }, { 'idempotency-key': 'probe' }),
        });
      }
      return probes;
    });
    expect(failures).toEqual([]);
    for (const status of [200, 201, 202, 400, 404, 409, 413, 415]) expect([...seen]).toContain(status);

    // While shutting down, every operation answers 503.
    server.ctx.lifecycle.shuttingDown = true;
    const closing = await conform(server, doc, (path, method) => [{ method, url: fill(path, values) }]);
    expect(closing.failures).toEqual([]);
    expect([...closing.seen]).toEqual([503]);
  }, 120_000);

  it('with JWT: 401 without credentials, 403 without the scope, 429 over the limit', async () => {
    const server = await startTestServer(
      serverProject({
        'wave.yaml': `server:\n  auth:\n    mode: jwt\n    jwt_secret: \${WAVE_JWT_SECRET}\n  rate_limit: { max: 30, window: 1m }\n${WEBHOOKS.replace(/^/gm, '  ')}`,
      }),
      { env: { WAVE_JWT_SECRET: SECRET } },
    );
    const doc = await openApi(server);
    const bearer = async (sub: string, scope: string) => ({
      authorization: `Bearer ${await token({ sub, scope })}`,
    });

    // Each operation: no credentials, then an actor of its own whose one scope is never the one needed
    // by that method (reads need runs:read, writes runs:write or gates:answer).
    const denied = await conform(server, doc, (path, method) => [bare(method, fill(path, {}))]);
    expect(denied.failures).toEqual([]);
    expect([...denied.seen]).toContain(401);
    const scoped: Record<string, Record<string, string>> = {};
    for (const [path, ops] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(ops))
        scoped[`${method} ${path}`] = await bearer(
          op.operationId,
          method === 'get' ? 'gates:answer' : 'runs:read',
        );
    const forbidden = await conform(server, doc, (path, method) => [
      bare(method, fill(path, {}), scoped[`${method.toLowerCase()} ${path}`]),
    ]);
    expect(forbidden.failures).toEqual([]);
    expect([...forbidden.seen]).toContain(403);

    // One actor spends its budget; then every operation that counts requests refuses it.
    const flood = await bearer('flood', 'admin');
    for (let i = 0; i < 31; i++) await send(server, { method: 'GET', url: '/api/personas', headers: flood });
    // Webhooks are limited per address: spend that budget too.
    for (let i = 0; i < 31; i++)
      await send(server, { method: 'POST', url: '/api/webhooks/gitlab', ...json({}) });
    const limited = await conform(server, doc, (path, method) => [bare(method, fill(path, {}), flood)]);
    expect(limited.failures).toEqual([]);
    expect([...limited.seen]).toContain(429);
  }, 120_000);
});
