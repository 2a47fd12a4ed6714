import { brotliCompressSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { api, openSse, startTestServer, type TestServer } from '../helpers/server.js';
import {
  expectError,
  getRun,
  type RunBody,
  serverProject,
  storedEvents,
  waitForGate,
  waitForStatus,
} from './support.js';

async function queueOnlyServer(): Promise<TestServer> {
  const server = await startTestServer(serverProject());
  await server.ctx.scheduler.stop();
  return server;
}

/** A POST with the body exactly as given (bytes, encodings). */
async function post(
  server: TestServer,
  path: string,
  body: Uint8Array | string,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: res.status, body: (await res.json()) as unknown, headers: res.headers };
}

describe('run input that no step can receive', () => {
  it('an input with NUL is 400 invalid_input at submit, and no run is created', async () => {
    const server = await queueOnlyServer();
    for (const input of ['a\u0000b', '\u0000']) {
      const error = expectError(
        await api(server, 'POST', '/api/runs', { pipeline: 'quick', input }),
        400,
        'invalid_input',
      );
      expect(error.message).toMatch(/NUL/);
    }
    expect((await api<{ runs: RunBody[] }>(server, 'GET', '/api/runs')).body.runs).toEqual([]);
    expect(await server.ctx.store.lastSeq()).toBe(0);
  });

  it('an input that is not UTF-8 text (a lone surrogate, raw invalid bytes) is 400 invalid_input', async () => {
    const server = await queueOnlyServer();
    expectError(
      await post(server, '/api/runs', '{"pipeline":"quick","input":"a\\ud800b"}'),
      400,
      'invalid_input',
    );
    const bytes = Buffer.concat([
      Buffer.from('{"pipeline":"quick","input":"'),
      Buffer.from([0xff, 0xfe, 0xc3]),
      Buffer.from('"}'),
    ]);
    expectError(await post(server, '/api/runs', bytes), 400, 'invalid_input');
    // Elsewhere a body that is not UTF-8 is a malformed request.
    expectError(
      await post(
        server,
        '/api/runs/x/gate/y',
        Buffer.concat([Buffer.from('{"choice":"'), Buffer.from([0xff]), Buffer.from('"}')]),
      ),
      400,
      'invalid_request',
    );
    expect(await server.ctx.store.lastSeq()).toBe(0);
    // Text beyond ASCII is fine, of course.
    const ok = await api<RunBody>(server, 'POST', '/api/runs', { pipeline: 'quick', input: 'héllo 🌊' });
    expect(ok.status).toBe(201);
    expect((await getRun(server, ok.body.id)).input).toBe('héllo 🌊');
  });
});

describe('compressed bodies', () => {
  it('a gzip (or any non-identity) Content-Encoding body is 415 unsupported_media_type', async () => {
    const server = await queueOnlyServer();
    const json = '{"pipeline":"quick"}';
    for (const [encoding, body] of [
      ['gzip', gzipSync(json)],
      ['br', brotliCompressSync(json)],
      ['deflate, gzip', gzipSync(json)],
    ] as const) {
      const error = expectError(
        await post(server, '/api/runs', body, { 'content-encoding': encoding }),
        415,
        'unsupported_media_type',
      );
      expect(error.message).toContain(encoding);
    }
    expect(await server.ctx.store.lastSeq()).toBe(0);
    const identity = await post(server, '/api/runs', json, { 'content-encoding': 'identity' });
    expect(identity.status).toBe(201);
  });
});

describe('SSE cursors', () => {
  it('a Last-Event-ID or since beyond the last event is 400 invalid_request; the last one itself is fine', async () => {
    const server = await startTestServer(serverProject());
    const run = await api<RunBody>(server, 'POST', '/api/runs', { pipeline: 'quick' });
    await waitForStatus(server, run.body.id, ['completed']);
    const last = await server.ctx.store.lastSeq();
    for (const path of [`/api/runs/${run.body.id}/events`, '/api/events']) {
      const header = expectError(
        await api(server, 'GET', path, undefined, { 'last-event-id': String(last + 1) }),
        400,
        'invalid_request',
      );
      expect(header.details).toEqual({ cursor: last + 1, last_seq: last });
      expectError(await api(server, 'GET', `${path}?since=${last + 1000}`), 400, 'invalid_request');
    }
    // At the last event: the finished run's stream replays nothing more and ends.
    const atEnd = await openSse(server, `/api/runs/${run.body.id}/events`, { 'last-event-id': String(last) });
    expect(atEnd.status).toBe(200);
    await atEnd.ended;
    expect(atEnd.events).toEqual([]);
  });
});

describe('a gate whose run was cancelled', () => {
  it('shows cancelled in GET /api/runs/:id, and answering it is 409 gate_not_waiting', async () => {
    const server = await startTestServer(serverProject());
    const run = await api<RunBody>(server, 'POST', '/api/runs', { pipeline: 'gated' });
    await waitForGate(server, run.body.id, 'ask');
    expect((await api(server, 'POST', `/api/runs/${run.body.id}/cancel`)).status).toBe(202);
    await waitForStatus(server, run.body.id, ['cancelled']);
    const detail = await getRun<RunBody & { gates: { step: string; status: string; answer: unknown }[] }>(
      server,
      run.body.id,
    );
    expect(detail.gates).toEqual([
      expect.objectContaining({ step: 'ask', status: 'cancelled', answer: null }),
    ]);
    const error = expectError(
      await api(server, 'POST', `/api/runs/${run.body.id}/gate/ask`, { approved: true }),
      409,
      'gate_not_waiting',
    );
    expect(error.message).toMatch(/ended \(cancelled\)/);
    expect((await storedEvents(server, run.body.id)).some((e) => e.type === 'gate_answered')).toBe(false);
  });
});
