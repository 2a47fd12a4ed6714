import { describe, expect, it } from 'vitest';
import { api, startTestServer } from '../../helpers/server.js';
import {
  createRun,
  expectError,
  getRun,
  type RunBody,
  serverProject,
  waitForGate,
  waitForStatus,
} from '../support.js';

const RUN_FIELDS = [
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
];
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** A server whose scheduler takes nothing: created runs stay queued. */
async function queueOnlyServer(files: Record<string, string> = {}) {
  const server = await startTestServer(serverProject(files));
  await server.ctx.scheduler.stop();
  return server;
}

describe('POST /api/runs', () => {
  it('201 with Location and the run queued, every field present', async () => {
    const server = await queueOnlyServer();
    const res = await api<RunBody>(server, 'POST', '/api/runs', {
      pipeline: 'quick',
      input: 'hi',
      labels: { team: 'core', env: 'ci' },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/api/runs/${res.body.id}`);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Object.keys(res.body).sort()).toEqual(RUN_FIELDS);
    expect(res.body).toMatchObject({
      pipeline: 'quick',
      status: 'queued',
      input: 'hi',
      labels: { team: 'core', env: 'ci' },
      trigger: { source: 'api', actor: 'local' },
      started_at: null,
      finished_at: null,
      duration_ms: null,
      queue_position: 1,
      cancel_requested: false,
      error: null,
    });
    expect(res.body.id).toMatch(/^[A-Za-z0-9._~-]+$/);
    expect(res.body.created_at).toMatch(ISO);
    const second = await createRun(server, 'quick');
    expect(second.queue_position).toBe(2);
    expect(second.input).toBeNull();
    expect(second.labels).toEqual({});
  });

  it('the run it creates is executed', async () => {
    const server = await startTestServer(serverProject());
    const run = await createRun(server, 'quick');
    const done = await waitForStatus(server, run.id, ['completed']);
    expect(done.started_at).toMatch(ISO);
    expect(done.finished_at).toMatch(ISO);
    expect(done.duration_ms).toBeTypeOf('number');
    expect(done.queue_position).toBeNull();
  });

  it('404 pipeline_not_found, with a suggestion', async () => {
    const server = await queueOnlyServer();
    const error = expectError(
      await api(server, 'POST', '/api/runs', { pipeline: 'quik' }),
      404,
      'pipeline_not_found',
    );
    expect(error.message).toContain('quick');
  });

  it('400 when the pipeline requires an input and none is given', async () => {
    const server = await queueOnlyServer();
    const error = expectError(
      await api(server, 'POST', '/api/runs', { pipeline: 'needs' }),
      400,
      'input_required',
    );
    expect(error.message).toContain('needs an input');
    expect(error.message).toContain('a branch name');
    expectError(await api(server, 'POST', '/api/runs', { pipeline: 'needs', input: '' }), 400, error.code);
    expect((await api(server, 'POST', '/api/runs', { pipeline: 'needs', input: 'main' })).status).toBe(201);
  });

  it('400 invalid_request for a bad body, each issue with its path', async () => {
    const server = await queueOnlyServer();
    const bad = await api(server, 'POST', '/api/runs', {
      pipeline: 42,
      input: ['x'],
      labels: { ok: 'fine', bad: 7 },
      extra: true,
    });
    const error = expectError(bad, 400, 'invalid_request');
    const issues = error.details.issues as { path: string; message: string }[];
    expect(Array.isArray(issues)).toBe(true);
    const paths = issues.map((i) => i.path);
    expect(paths).toContain('body.pipeline');
    expect(paths).toContain('body.input');
    expect(paths).toContain('body.labels.bad');
    for (const issue of issues) expect(issue.message).toBeTypeOf('string');
    expect(paths.some((p) => p === 'body' || p.includes('extra'))).toBe(true);

    for (const body of [{}, [], 'null', '"a string"', '42', { pipeline: '' }]) {
      const res = await api(server, 'POST', '/api/runs', body);
      const e = expectError(res, 400, 'invalid_request');
      expect(Array.isArray(e.details.issues)).toBe(true);
    }
  });

  it('400 invalid_request for malformed JSON, 415 for a body that is not JSON', async () => {
    const server = await queueOnlyServer();
    for (const text of ['{', '{"pipeline": "quick",}', "{'pipeline': 'quick'}", 'nul', '{"a":1}}']) {
      expectError(await api(server, 'POST', '/api/runs', text), 400, 'invalid_request');
    }
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      expectError(
        await api(server, 'POST', '/api/runs', 'pipeline=quick', { 'content-type': type }),
        415,
        'unsupported_media_type',
      );
    }
    // No body at all is not a run either.
    expectError(await api(server, 'POST', '/api/runs'), 400, 'invalid_request');
    expect((await server.ctx.store.countByStatus()).queued).toBe(0);
  });

  it('413 payload_too_large over server.body_limit', async () => {
    const server = await startTestServer(
      serverProject({ 'wave.yaml': 'apiVersion: v1\nkind: WaveManifest\nserver: { body_limit: 2048 }\n' }),
    );
    const error = expectError(
      await api(server, 'POST', '/api/runs', { pipeline: 'quick', input: 'x'.repeat(4096) }),
      413,
      'payload_too_large',
    );
    expect(error.message).toMatch(/body_limit/);
    // Under the limit it is fine.
    expect(
      (await api(server, 'POST', '/api/runs', { pipeline: 'quick', input: 'x'.repeat(1000) })).status,
    ).toBe(201);
    expectError(
      await api(server, 'POST', '/api/runs/x/gate/y', { choice: 'y'.repeat(5000) }),
      413,
      'payload_too_large',
    );
  });

  it('Idempotency-Key: a repeat returns the first run with 200; another key creates another', async () => {
    const server = await queueOnlyServer();
    const first = await api<RunBody>(
      server,
      'POST',
      '/api/runs',
      { pipeline: 'quick' },
      { 'idempotency-key': 'k1' },
    );
    expect(first.status).toBe(201);
    const again = await api<RunBody>(
      server,
      'POST',
      '/api/runs',
      { pipeline: 'quick' },
      { 'idempotency-key': 'k1' },
    );
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers.get('location')).toBe(`/api/runs/${first.body.id}`);
    const other = await api<RunBody>(
      server,
      'POST',
      '/api/runs',
      { pipeline: 'quick' },
      { 'idempotency-key': 'k2' },
    );
    expect(other.status).toBe(201);
    expect(other.body.id).not.toBe(first.body.id);
    const none = await api<RunBody>(server, 'POST', '/api/runs', { pipeline: 'quick' });
    expect(none.status).toBe(201);
    expect((await server.ctx.store.countByStatus()).queued).toBe(3);

    // Concurrent repeats of one key still make one run.
    const burst = await Promise.all(
      Array.from({ length: 8 }, () =>
        api<RunBody>(server, 'POST', '/api/runs', { pipeline: 'quick' }, { 'idempotency-key': 'k3' }),
      ),
    );
    expect(burst.filter((r) => r.status === 201)).toHaveLength(1);
    expect(burst.filter((r) => r.status === 200)).toHaveLength(7);
    expect(new Set(burst.map((r) => r.body.id)).size).toBe(1);
  });
});

describe('GET /api/runs', () => {
  it('filters by status (comma list), pipeline and labels', async () => {
    const server = await startTestServer(serverProject());
    const done = await createRun(server, 'quick', { labels: { team: 'a', env: 'prod' } });
    await waitForStatus(server, done.id, ['completed']);
    const waiting = await createRun(server, 'strict', { labels: { team: 'a', env: 'dev' } });
    await waitForStatus(server, waiting.id, ['waiting']);
    const failed = await createRun(server, 'gated', { labels: { team: 'b' } });
    await waitForGate(server, failed.id, 'ask');
    expect((await api(server, 'POST', `/api/runs/${failed.id}/gate/ask`, { approved: false })).status).toBe(
      200,
    );
    await waitForStatus(server, failed.id, ['failed']);

    const list = async (query: string) => {
      const res = await api<{ runs: RunBody[]; next_cursor: string | null }>(
        server,
        'GET',
        `/api/runs${query}`,
      );
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      for (const run of res.body.runs) expect(Object.keys(run).sort()).toEqual(RUN_FIELDS);
      return res.body.runs.map((r) => r.id);
    };
    expect(await list('')).toEqual([failed.id, waiting.id, done.id]);
    expect(await list('?status=completed')).toEqual([done.id]);
    expect(await list('?status=completed,failed')).toEqual([failed.id, done.id]);
    expect(await list('?status=waiting,%20completed')).toEqual([waiting.id, done.id]);
    expect(await list('?status=queued')).toEqual([]);
    expect(await list('?pipeline=strict')).toEqual([waiting.id]);
    expect(await list('?pipeline=nope')).toEqual([]);
    expect(await list('?label=team:a')).toEqual([waiting.id, done.id]);
    expect(await list('?label=team:a&label=env:prod')).toEqual([done.id]);
    expect(await list('?label=team:b&status=failed&pipeline=gated')).toEqual([failed.id]);
    expect(await list('?label=team:c')).toEqual([]);

    expectError(await api(server, 'GET', '/api/runs?status=bogus'), 400, 'invalid_request');
    expectError(await api(server, 'GET', '/api/runs?label=nocolon'), 400, 'invalid_request');
  });

  it('limit is 1..200, else 400', async () => {
    const server = await queueOnlyServer();
    for (let i = 0; i < 3; i++) await createRun(server, 'quick');
    const one = await api<{ runs: RunBody[]; next_cursor: string | null }>(
      server,
      'GET',
      '/api/runs?limit=1',
    );
    expect(one.status).toBe(200);
    expect(one.body.runs).toHaveLength(1);
    expect(one.body.next_cursor).toBeTypeOf('string');
    const max = await api<{ runs: RunBody[]; next_cursor: string | null }>(
      server,
      'GET',
      '/api/runs?limit=200',
    );
    expect(max.status).toBe(200);
    expect(max.body.runs).toHaveLength(3);
    expect(max.body.next_cursor).toBeNull();
    for (const limit of ['0', '201', '-1', '1.5', 'ten', '', '1e3']) {
      const error = expectError(await api(server, 'GET', `/api/runs?limit=${limit}`), 400, 'invalid_request');
      expect(JSON.stringify(error.details)).toContain('limit');
    }
  });

  it('cursor pages newest first, never skipping or repeating while runs are created', async () => {
    const server = await queueOnlyServer();
    const created: string[] = [];
    for (let i = 0; i < 7; i++) created.push((await createRun(server, 'quick')).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `/api/runs?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const res = await api<{ runs: RunBody[]; next_cursor: string | null }>(server, 'GET', query);
      expect(res.status).toBe(200);
      seen.push(...res.body.runs.map((r) => r.id));
      cursor = res.body.next_cursor;
      pages++;
      // New runs between pages land before the first page, never in the rest.
      await createRun(server, 'quick');
      await createRun(server, 'quick');
    } while (cursor !== null);
    expect(pages).toBe(3);
    expect(seen).toEqual([...created].reverse());
  });

  it('a bogus cursor is 400 invalid_request', async () => {
    const server = await queueOnlyServer();
    await createRun(server, 'quick');
    for (const cursor of [
      'bogus',
      'cjE=x',
      Buffer.from('x12').toString('base64url'),
      '%00',
      'a'.repeat(201),
    ]) {
      expectError(await api(server, 'GET', `/api/runs?cursor=${cursor}`), 400, 'invalid_request');
    }
  });
});

describe('GET /api/runs/:id', () => {
  it('gives the run with its steps and gates, every field present', async () => {
    const server = await startTestServer(serverProject());
    const run = await createRun(server, 'gated');
    await waitForGate(server, run.id, 'ask');
    const detail = await getRun<
      RunBody & { steps: Record<string, unknown>[]; gates: Record<string, unknown>[] }
    >(server, run.id);
    expect(detail.status).toBe('waiting');
    for (const field of RUN_FIELDS) expect(detail).toHaveProperty(field);
    expect(detail.steps.map((s) => [s.id, s.status])).toEqual([
      ['build', 'completed'],
      ['ask', 'waiting'],
      ['ship', 'pending'],
    ]);
    const STEP_FIELDS = [
      'artifacts',
      'attempts',
      'children',
      'dependencies',
      'duration_ms',
      'error',
      'finished_at',
      'id',
      'kind',
      'persona',
      'started_at',
      'status',
      'usage',
    ];
    for (const step of detail.steps) expect(Object.keys(step).sort()).toEqual(STEP_FIELDS);
    expect(detail.steps[2]).toEqual({
      id: 'ship',
      kind: 'command',
      persona: null,
      status: 'pending',
      attempts: 0,
      dependencies: ['ask'],
      started_at: null,
      finished_at: null,
      duration_ms: null,
      error: null,
      artifacts: [],
      usage: null,
      children: [],
    });
    expect(detail.steps[0]).toMatchObject({
      kind: 'command',
      attempts: 1,
      started_at: expect.stringMatching(ISO),
    });
    expect(detail.gates).toEqual([
      {
        step: 'ask',
        status: 'waiting',
        prompt: 'Ship it?',
        choices: [
          { key: 'yes', label: 'Ship', target: null },
          { key: 'no', label: 'Stop', target: '_fail' },
        ],
        freeform: true,
        default: null,
        timeout_at: null,
        answer: null,
      },
    ]);
  });

  it('a prompt step (mock adapter) reports its persona and usage', async () => {
    const server = await startTestServer(
      serverProject({
        '.wave/personas/thinker.md': '# Thinker\nThink hard.\n',
        '.wave/pipelines/agent.yaml': [
          'kind: WavePipeline',
          'steps:',
          '  - id: think',
          '    persona: thinker',
          '    exec: { type: prompt, source: "Think about {{ input }}" }',
          '',
        ].join('\n'),
      }),
      { flags: { mock: true } },
    );
    const run = await createRun(server, 'agent', { input: 'tests' });
    expect((await waitForStatus(server, run.id, ['completed', 'failed'])).status).toBe('completed');
    const detail = await getRun<{ steps: Record<string, unknown>[] }>(server, run.id);
    expect(detail.steps[0]).toMatchObject({
      id: 'think',
      kind: 'prompt',
      persona: 'thinker',
      status: 'completed',
    });
    const usage = detail.steps[0]!.usage as Record<string, unknown> | null;
    if (usage !== null) expect(Object.keys(usage).sort()).toEqual(['cost_usd', 'tokens_in', 'tokens_out']);
  });

  it('404 run_not_found for an unknown run', async () => {
    const server = await queueOnlyServer();
    const error = expectError(await api(server, 'GET', '/api/runs/nope-123'), 404, 'run_not_found');
    expect(error.message).toContain('nope-123');
  });
});
