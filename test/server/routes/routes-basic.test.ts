import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventually } from '../../helpers/eventually.js';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { createRun, expectError, SERVER_PIPELINES, serverProject, waitForStatus } from '../support.js';

/** Writes `text` on a socket as is; parses the one response that comes back. */
function rawHttp(
  server: TestServer,
  text: string,
): Promise<{ status: number; body: unknown; headers: Headers }> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1', () => socket.write(text));
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      data += chunk;
    });
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = '', ...rest] = data.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = new Headers();
      for (const line of lines) {
        const i = line.indexOf(':');
        if (i > 0) headers.append(line.slice(0, i).trim(), line.slice(i + 1).trim());
      }
      const bodyText = rest.join('\r\n\r\n');
      let body: unknown = bodyText;
      try {
        body = JSON.parse(bodyText);
      } catch {
        // not JSON: the assertion on the shape says so
      }
      resolve({ status: Number(statusLine.split(' ')[1]), body, headers });
    });
    // The server answers and closes; this is only a backstop.
    socket.setTimeout(10_000, () => socket.destroy());
  });
}

interface PipelineBody {
  name: string;
  description: string;
  input: { type: string; required: boolean; example: string | null } | null;
  steps: { id: string; kind: string; persona: string | null; dependencies: string[] }[];
  source?: string;
}

describe('GET /api/health', () => {
  it('reports status, version, storage, the cap and run counts', async () => {
    const server = await startTestServer(serverProject(), { flags: { maxConcurrent: 1 } });
    const res = await api<Record<string, unknown>>(server, 'GET', '/api/health');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.body).toEqual({
      status: 'ok',
      version: expect.any(String),
      uptime_s: expect.any(Number),
      storage: 'sqlite',
      max_concurrent: 1,
      runs: { queued: 0, running: 0, waiting: 0 },
      // On SQLite there is one instance to speak of: the one answering.
      instance: { id: server.ctx.owner, role: 'all', host: hostname() },
    });

    // One run waits at a gate (holding no slot), one runs, one more is queued behind it.
    const gated = await createRun(server, 'strict');
    await waitForStatus(server, gated.id, ['waiting']);
    const running = await createRun(server, 'sleeper');
    await waitForStatus(server, running.id, ['running']);
    const queued = await createRun(server, 'quick');
    const health = await api<{ runs: Record<string, number> }>(server, 'GET', '/api/health');
    expect(health.body.runs).toEqual({ queued: 1, running: 1, waiting: 1 });
    expect(queued.status).toBe('queued');
  });
});

describe('GET /api/pipelines', () => {
  it('lists the built-in pipelines of a project without its own, with every field', async () => {
    const server = await startTestServer({});
    const res = await api<{ pipelines: PipelineBody[] }>(server, 'GET', '/api/pipelines');
    expect(res.status).toBe(200);
    expect(res.body.pipelines.map((p) => p.name).sort()).toEqual(['ci', 'hello', 'plan-implement-review']);
    const hello = res.body.pipelines.find((p) => p.name === 'hello')!;
    expect(hello.description).toMatch(/Greets/);
    expect(hello.input).toMatchObject({ type: 'string', required: false, example: 'world' });
    expect(hello.steps.map((s) => s.id)).toEqual(['greet', 'count', 'shout']);
    expect(hello.steps[2]).toEqual({
      id: 'shout',
      kind: 'command',
      persona: null,
      dependencies: ['greet', 'count'],
    });
    const pir = res.body.pipelines.find((p) => p.name === 'plan-implement-review')!;
    expect(pir.input).toMatchObject({ required: true });
    expect(pir.steps[0]).toEqual({ id: 'plan', kind: 'prompt', persona: 'navigator', dependencies: [] });
    for (const p of res.body.pipelines) expect('source' in p).toBe(false);
  });

  it("lists a project's own pipelines", async () => {
    const server = await startTestServer(serverProject());
    const res = await api<{ pipelines: PipelineBody[] }>(server, 'GET', '/api/pipelines');
    expect(res.status).toBe(200);
    expect(res.body.pipelines.map((p) => p.name).sort()).toEqual(Object.keys(SERVER_PIPELINES).sort());
    const quick = res.body.pipelines.find((p) => p.name === 'quick')!;
    expect(quick).toMatchObject({ description: 'one quick step', input: null });
    expect(quick.steps).toEqual([{ id: 'only', kind: 'command', persona: null, dependencies: [] }]);
  });

  it('GET /api/pipelines/:name gives the pipeline with its YAML source', async () => {
    const server = await startTestServer(serverProject());
    const res = await api<PipelineBody>(server, 'GET', '/api/pipelines/gated');
    expect(res.status).toBe(200);
    expect(res.body.name).toBe('gated');
    expect(res.body.source).toBe(readFileSync(join(server.root, '.wave/pipelines/gated.yaml'), 'utf8'));
    expect(res.body.steps.map((s) => [s.id, s.kind])).toEqual([
      ['build', 'command'],
      ['ask', 'gate'],
      ['ship', 'command'],
    ]);
    const builtin = await api<PipelineBody>(await startTestServer({}), 'GET', '/api/pipelines/hello');
    expect(builtin.status).toBe(200);
    expect(builtin.body.source).toBe(
      readFileSync(new URL('../../../config/pipelines/hello.yaml', import.meta.url), 'utf8'),
    );
  });

  it('404 pipeline_not_found with a suggestion', async () => {
    const server = await startTestServer({});
    const error = expectError(await api(server, 'GET', '/api/pipelines/helo'), 404, 'pipeline_not_found');
    expect(error.message).toContain('"helo"');
    expect(error.message).toContain('hello');
    const far = expectError(await api(server, 'GET', '/api/pipelines/zzzzzzzz'), 404, 'pipeline_not_found');
    expect(far.message).toContain('zzzzzzzz');
  });
});

describe('GET /api/personas', () => {
  it('lists the built-in personas of a project without its own', async () => {
    const server = await startTestServer({});
    const res = await api<{ personas: { name: string; model: string | null }[] }>(
      server,
      'GET',
      '/api/personas',
    );
    expect(res.status).toBe(200);
    const names = res.body.personas.map((p) => p.name);
    for (const name of ['navigator', 'craftsman', 'reviewer']) expect(names).toContain(name);
  });

  it('lists personas with name, adapter, model and description', async () => {
    const server = await startTestServer(
      serverProject({ '.wave/personas/thinker.md': '# Thinker\nThink hard.\n' }),
    );
    const res = await api<{ personas: Record<string, unknown>[] }>(server, 'GET', '/api/personas');
    expect(res.status).toBe(200);
    expect(res.body.personas.length).toBeGreaterThan(0);
    for (const p of res.body.personas) {
      expect(Object.keys(p).sort()).toEqual(['adapter', 'description', 'model', 'name']);
      expect(p.name).toBeTypeOf('string');
      expect(p.adapter).toBeTypeOf('string');
      expect(p.model === null || typeof p.model === 'string').toBe(true);
      expect(p.description).toBeTypeOf('string');
    }
    const names = res.body.personas.map((p) => p.name as string);
    expect(names).toContain('thinker');
    expect([...names].sort((a, b) => a.localeCompare(b))).toEqual(names);
  });
});

describe('GET /metrics', () => {
  it('serves Prometheus text with the documented metrics', async () => {
    const server = await startTestServer(serverProject());
    // Every series carries the instance's id, so many instances scrape into one Prometheus.
    const id = server.ctx.owner;
    const run = await createRun(server, 'quick');
    await waitForStatus(server, run.id, ['completed']);
    await api(server, 'GET', '/api/health');
    // The slot is given back just after the run's last event: wait for the gauge to say so.
    const res = await eventually(async () => {
      const r = await api<string>(server, 'GET', '/metrics');
      return r.body.includes(`\nwave_running_runs{instance="${id}"} 0\n`) ? r : null;
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = res.body;
    for (const name of [
      'wave_runs',
      'wave_queue_depth',
      'wave_running_runs',
      'wave_step_duration_seconds',
      'wave_sse_clients',
      'wave_http_request_duration_seconds',
    ])
      expect(text).toMatch(new RegExp(`^# TYPE ${name} `, 'm'));
    const lines = text.split('\n');
    expect(lines).toContain(`wave_runs{status="completed",instance="${id}"} 1`);
    expect(lines).toContain(`wave_runs_ended_total{status="completed",instance="${id}"} 1`);
    expect(lines).toContain(`wave_queue_depth{instance="${id}"} 0`);
    expect(lines).toContain(`wave_running_runs{instance="${id}"} 0`);
    expect(lines).toContain(`wave_sse_clients{instance="${id}"} 0`);
    expect(lines).toContain(
      `wave_step_duration_seconds_count{instance="${id}",kind="command",status="success"} 1`,
    );
    expect(lines.filter((l) => l && !l.startsWith('#') && !l.includes(`instance="${id}"`))).toEqual([]);
    expect(text).toMatch(
      /^wave_http_request_duration_seconds_count\{[^}]*route="\/api\/health"[^}]*\} \d+$/m,
    );
  });
});

describe('errors outside the routes', () => {
  it('an unknown route is 404 not_found in the error shape', async () => {
    const server = await startTestServer(serverProject());
    for (const [method, path] of [
      ['GET', '/api/nope'],
      ['GET', '/api/runs/x/y/z/w'],
      ['POST', '/api/health'],
      ['DELETE', '/api/runs'],
      ['GET', '/assets/missing.js'],
    ] as const) {
      const error = expectError(await api(server, method, path), 404, 'not_found');
      expect(error.message).toContain(method);
    }
  });

  it('what Fastify or Node reject before routing has the error shape too', async () => {
    const server = await startTestServer(serverProject());
    // Bad percent-encoding and over-long parameters: the router answers.
    for (const path of [
      '/api/runs/%ZZ',
      '/api/runs/%C3%28',
      '/api/pipelines/%',
      `/api/runs/${'x'.repeat(600)}/logs`,
    ])
      expectError(
        await rawHttp(server, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`),
        400,
        'invalid_request',
      );
    // Node's parser: headers over its limit, and what is not HTTP at all.
    expectError(
      await rawHttp(
        server,
        `GET /api/runs?x=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      ),
      431,
      'headers_too_large',
    );
    expectError(await rawHttp(server, 'NOT HTTP AT ALL\r\n\r\n'), 400, 'invalid_request');
    expectError(
      await rawHttp(
        server,
        'POST /api/runs HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: abc\r\n\r\n',
      ),
      400,
      'invalid_request',
    );
    expect((await api(server, 'GET', '/api/health')).status).toBe(200);
  });

  it('a request while shutting down is 503 shutting_down', async () => {
    const server = await startTestServer(serverProject());
    server.ctx.lifecycle.shuttingDown = true;
    expectError(await api(server, 'GET', '/api/health'), 503, 'shutting_down');
    expectError(await api(server, 'POST', '/api/runs', { pipeline: 'quick' }), 503, 'shutting_down');
    expectError(await api(server, 'GET', '/api/nope'), 503, 'shutting_down');
    expect(await server.ctx.store.countByStatus()).toMatchObject({ queued: 0, running: 0 });
  });
});
