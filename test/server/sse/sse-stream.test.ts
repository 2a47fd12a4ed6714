import { describe, expect, it } from 'vitest';
import { eventually } from '../../helpers/eventually.js';
import { openSse, startTestServer } from '../../helpers/server.js';
import {
  answerGate,
  readRaw,
  seqs,
  sseProject,
  startRun,
  storedEvents,
  waitForRunEnd,
} from './sse-helpers.js';

const TERMINAL = new Set(['run_completed', 'run_failed', 'run_cancelled']);

describe('SSE framing', () => {
  it('sends id, event and data lines exactly as API.md, with the stream headers', async () => {
    const server = await startTestServer(sseProject());
    const runId = await startRun(server, 'quick');
    await waitForRunEnd(server, runId);

    const res = await readRaw(server, `/api/runs/${runId}/events`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream(;|$)/);
    expect(res.headers['cache-control']).toBe('no-cache, no-transform');
    expect(res.headers['x-accel-buffering']).toBe('no');

    expect(res.body.endsWith('\n\n')).toBe(true);
    const blocks = res.body.slice(0, -2).split('\n\n');
    const stored = await storedEvents(server, runId);
    expect(blocks).toHaveLength(stored.length);
    blocks.forEach((block, i) => {
      const m = block.match(/^id: (\d+)\nevent: ([a-z_]+)\ndata: (.+)$/);
      expect(m, `frame ${i}: ${JSON.stringify(block)}`).not.toBeNull();
      const [, id, type, data] = m!;
      const event = JSON.parse(data!) as { seq: number; type: string; run_id: string; ts: string };
      expect(event.seq).toBe(Number(id));
      expect(event.type).toBe(type);
      expect(event.run_id).toBe(runId);
      expect(Number.isNaN(Date.parse(event.ts))).toBe(false);
      expect(Number(id)).toBe(stored[i]!.seq);
      expect(type).toBe(stored[i]!.type);
    });
  });
});

describe('GET /api/runs/:id/events', () => {
  it('starts at run_queued without a cursor and ends after the terminal event', async () => {
    const server = await startTestServer(sseProject());
    const runId = await startRun(server, 'ticker');
    const conn = await openSse(server, `/api/runs/${runId}/events`);
    expect(conn.status).toBe(200);
    await conn.ended;
    await waitForRunEnd(server, runId);

    const stored = await storedEvents(server, runId);
    expect(conn.events[0]?.event).toBe('run_queued');
    expect(seqs(conn.events)).toEqual(stored.map((e) => e.seq));
    expect(conn.events.at(-1)?.event).toBe('run_completed');
  });

  it('replays a finished run and ends', async () => {
    const server = await startTestServer(sseProject());
    const runId = await startRun(server, 'ticker');
    await waitForRunEnd(server, runId);
    const stored = await storedEvents(server, runId);

    const conn = await openSse(server, `/api/runs/${runId}/events`);
    await conn.ended;
    expect(seqs(conn.events)).toEqual(stored.map((e) => e.seq));
    expect(conn.events.map((e) => e.event)).toEqual(stored.map((e) => e.type));
  });

  it('ends at once for a finished run whose events the client already has', async () => {
    const server = await startTestServer(sseProject());
    const runId = await startRun(server, 'quick');
    await waitForRunEnd(server, runId);
    const stored = await storedEvents(server, runId);
    const last = stored.at(-1)!;
    expect(TERMINAL.has(last.type)).toBe(true);

    // What a browser's EventSource does after the server ended the stream: it reconnects.
    const res = await readRaw(
      server,
      `/api/runs/${runId}/events`,
      { 'last-event-id': String(last.seq) },
      5000,
    );
    expect(res.status).toBe(200);
    expect(res.body).toBe('');
    // A cursor past the last event names events that never existed: refused, not an empty stream.
    const since = await readRaw(server, `/api/runs/${runId}/events?since=${last.seq + 1000}`, {}, 5000);
    expect(since.status).toBe(400);
    expect(JSON.parse(since.body)).toMatchObject({ error: { code: 'invalid_request' } });
  });

  it('answers 404 run_not_found as JSON for an unknown run, before any stream', async () => {
    const server = await startTestServer(sseProject());
    const res = await readRaw(server, '/api/runs/nope-20260101-000000-abcdef/events');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'run_not_found' } });
    expect(server.ctx.sse.clientCount).toBe(0);
  });

  it('keeps only ?types, and still ends after a terminal event it filtered out', async () => {
    const server = await startTestServer(sseProject());
    const runId = await startRun(server, 'ticker');
    const lines = await openSse(server, `/api/runs/${runId}/events?types=stream_activity`);
    const steps = await openSse(server, `/api/runs/${runId}/events?types=step_started,step_completed`);
    await Promise.all([lines.ended, steps.ended]);
    await waitForRunEnd(server, runId);

    const stored = await storedEvents(server, runId);
    const want = (types: string[]) => stored.filter((e) => types.includes(e.type)).map((e) => e.seq);
    expect(seqs(lines.events)).toEqual(want(['stream_activity']));
    expect(lines.events.length).toBeGreaterThanOrEqual(120);
    expect(seqs(steps.events)).toEqual(want(['step_started', 'step_completed']));
    expect(steps.events.map((e) => e.event)).toEqual([
      'step_started',
      'step_completed',
      'step_started',
      'step_completed',
    ]);
  });

  it('refuses an unknown type with 400 invalid_request', async () => {
    const server = await startTestServer(sseProject());
    const runId = await startRun(server, 'quick');
    for (const path of [`/api/runs/${runId}/events?types=step_started,bogus`, '/api/events?types=bogus']) {
      const res = await readRaw(server, path);
      expect(res.status, path).toBe(400);
      expect(JSON.parse(res.body), path).toMatchObject({ error: { code: 'invalid_request' } });
    }
    expect(server.ctx.sse.clientCount).toBe(0);
  });

  it('refuses a Last-Event-ID that is not a seq with 400 invalid_request', async () => {
    const server = await startTestServer(sseProject());
    const runId = await startRun(server, 'quick');
    const res = await readRaw(server, `/api/runs/${runId}/events`, { 'last-event-id': 'abc' });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'invalid_request' } });
  });
});

describe('GET /api/events', () => {
  it('starts at the live tail and sees every run in seq order', async () => {
    const server = await startTestServer(sseProject());
    const old = await startRun(server, 'quick');
    await waitForRunEnd(server, old);
    const tail = await server.ctx.store.lastSeq();

    const conn = await openSse(server, '/api/events');
    expect(conn.status).toBe(200);
    const [one, two] = [await startRun(server, 'ticker'), await startRun(server, 'paced')];
    await answerGate(server, two, 'gate1');
    await answerGate(server, two, 'gate2');
    await answerGate(server, two, 'gate3');
    await Promise.all([waitForRunEnd(server, one), waitForRunEnd(server, two)]);
    const stored = await storedEvents(server, undefined, tail);
    await eventually(() => conn.events.length >= stored.length, 20_000, 'every event to arrive');

    expect(seqs(conn.events)).toEqual(stored.map((e) => e.seq));
    expect(conn.events.every((e) => JSON.parse(e.data).run_id !== old)).toBe(true);
    const runs = new Set(conn.events.map((e) => JSON.parse(e.data).run_id as string));
    expect(runs).toEqual(new Set([one, two]));
    conn.close();
  });

  it('replays from ?since= and from Last-Event-ID, the header winning', async () => {
    const server = await startTestServer(sseProject());
    const first = await startRun(server, 'quick');
    await waitForRunEnd(server, first);
    const second = await startRun(server, 'ticker');
    await waitForRunEnd(server, second);
    const all = await storedEvents(server);
    const cut = all[Math.floor(all.length / 3)]!.seq;
    const later = all[Math.floor((2 * all.length) / 3)]!.seq;
    const tailAfter = (s: number) => all.filter((e) => e.seq > s).map((e) => e.seq);

    const since = await openSse(server, `/api/events?since=${cut}`);
    const header = await openSse(server, '/api/events?since=0', { 'last-event-id': String(later) });
    await eventually(
      () => since.events.length >= tailAfter(cut).length && header.events.length >= tailAfter(later).length,
      20_000,
      'the replays',
    );
    expect(seqs(since.events)).toEqual(tailAfter(cut));
    expect(seqs(header.events)).toEqual(tailAfter(later));

    // Then live: a new run's events follow on both, once.
    const third = await startRun(server, 'quick');
    await waitForRunEnd(server, third);
    const now = await storedEvents(server);
    const last = String(now.at(-1)!.seq);
    await eventually(
      () => since.events.at(-1)?.id === last && header.events.at(-1)?.id === last,
      20_000,
      'the live events',
    );
    expect(seqs(since.events)).toEqual(now.filter((e) => e.seq > cut).map((e) => e.seq));
    expect(seqs(header.events)).toEqual(now.filter((e) => e.seq > later).map((e) => e.seq));
    since.close();
    header.close();
  });

  it('keeps only ?types across runs', async () => {
    const server = await startTestServer(sseProject());
    const conn = await openSse(server, '/api/events?types=run_queued,run_completed');
    const runs = [await startRun(server, 'quick'), await startRun(server, 'quick')];
    for (const id of runs) await waitForRunEnd(server, id);
    await eventually(() => conn.events.length >= 4, 20_000, 'four events');
    const stored = (await storedEvents(server)).filter((e) =>
      ['run_queued', 'run_completed'].includes(e.type),
    );
    expect(seqs(conn.events)).toEqual(stored.map((e) => e.seq));
    conn.close();
  });
});
