import { describe, expect, it } from 'vitest';
import { eventually } from '../../helpers/eventually.js';
import { api, openSse, startTestServer, type TestServer } from '../../helpers/server.js';
import { seqs, sseProject, startRun, storedEvents, waitForGate, waitForRunEnd } from './sse-helpers.js';

async function sseGauge(server: TestServer): Promise<number> {
  const res = await api<string>(server, 'GET', '/metrics');
  expect(res.status).toBe(200);
  const m = res.body.match(/^wave_sse_clients\{instance="[^"]+"\} (\d+)$/m);
  expect(m, 'wave_sse_clients in /metrics').not.toBeNull();
  return Number(m![1]);
}

describe('SSE clients', () => {
  it('gives 50 concurrent clients of one run the same sequence, equal to the store', async () => {
    const server = await startTestServer(sseProject());
    const runId = await startRun(server, 'ticker');
    const clients = await Promise.all(
      Array.from({ length: 50 }, () => openSse(server, `/api/runs/${runId}/events`)),
    );
    await Promise.all(clients.map((c) => c.ended));
    await waitForRunEnd(server, runId);
    const stored = (await storedEvents(server, runId)).map((e) => e.seq);
    expect(stored.length).toBeGreaterThan(120);
    for (const [i, c] of clients.entries()) {
      expect(c.status).toBe(200);
      expect(seqs(c.events), `client ${i}`).toEqual(stored);
    }
    await eventually(() => server.ctx.sse.clientCount === 0, 5000, 'every stream to be released');
  });

  it('sends `: ping` comments on an idle stream', async () => {
    const server = await startTestServer(sseProject(), { context: { sse: { heartbeatMs: 200 } } });
    const runId = await startRun(server, 'idle');
    await waitForGate(server, runId, 'wait');
    const all = await openSse(server, '/api/events');
    const run = await openSse(server, `/api/runs/${runId}/events`);
    await eventually(() => run.events.some((e) => e.event === 'gate_waiting'), 20_000, 'the replay');
    const replayed = run.events.length;
    await eventually(
      () =>
        all.comments.filter((c) => c === ': ping').length >= 2 &&
        run.comments.filter((c) => c === ': ping').length >= 2,
      10_000,
      'two pings on each stream',
    );
    expect(all.events).toEqual([]);
    expect(run.events).toHaveLength(replayed);
    expect(new Set([...all.comments, ...run.comments])).toEqual(new Set([': ping']));
    all.close();
    run.close();
  });

  it('ends every open stream when the server shuts down', async () => {
    const server = await startTestServer(sseProject());
    const runId = await startRun(server, 'idle');
    await waitForGate(server, runId, 'wait');
    const streams = await Promise.all([
      openSse(server, '/api/events'),
      openSse(server, `/api/runs/${runId}/events`),
      openSse(server, `/api/runs/${runId}/events?types=stream_activity`),
    ]);
    await eventually(() => server.ctx.sse.clientCount === 3, 5000, 'three clients');

    const started = Date.now();
    const closing = server.close();
    const ended = Promise.all(streams.map((s) => s.ended));
    const deadline = new Promise<'late'>((r) => setTimeout(() => r('late'), 5000).unref());
    expect(await Promise.race([ended.then(() => 'ended' as const), deadline])).toBe('ended');
    expect(await Promise.race([closing.then(() => 'closed' as const), deadline])).toBe('closed');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(server.ctx.sse.clientCount).toBe(0);
  });

  it('forgets a client that disconnects (clientCount and wave_sse_clients)', async () => {
    const server = await startTestServer(sseProject());
    const runId = await startRun(server, 'idle');
    await waitForGate(server, runId, 'wait');
    expect(await sseGauge(server)).toBe(0);

    const a = await openSse(server, '/api/events');
    const b = await openSse(server, `/api/runs/${runId}/events`);
    const c = await openSse(server, `/api/runs/${runId}/events?types=gate_answered`);
    await eventually(() => server.ctx.sse.clientCount === 3, 5000, 'three clients');
    expect(await sseGauge(server)).toBe(3);

    a.close();
    b.close();
    await eventually(() => server.ctx.sse.clientCount === 1, 5000, 'two clients to be forgotten');
    expect(await sseGauge(server)).toBe(1);

    // A stream the server ends (the run finished) is forgotten too.
    await api(server, 'POST', `/api/runs/${runId}/gate/wait`, { approved: true });
    await c.ended;
    await eventually(() => server.ctx.sse.clientCount === 0, 5000, 'the last client to be forgotten');
    expect(await sseGauge(server)).toBe(0);
    expect(c.events.map((e) => e.event)).toEqual(['gate_answered']);
  });
});

describe('SSE clients that vanish early', () => {
  it('forgets clients that hang up before their stream opens', async () => {
    const server = await startTestServer(sseProject());
    const runId = await startRun(server, 'idle');
    await waitForGate(server, runId, 'wait');
    const { connect } = await import('node:net');
    await Promise.all(
      Array.from(
        { length: 40 },
        (_, i) =>
          new Promise<void>((resolve) => {
            const socket = connect(server.port, '127.0.0.1', () => {
              const path = i % 2 ? `/api/runs/${runId}/events` : '/api/events';
              socket.end(
                `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nAccept: text/event-stream\r\n\r\n`,
              );
              if (i % 4 < 2) socket.destroy();
            });
            socket.on('error', () => undefined);
            socket.on('close', () => resolve());
            if (i % 4 >= 2) socket.on('data', () => socket.destroy());
          }),
      ),
    );
    await eventually(
      () => server.ctx.sse.clientCount === 0,
      5000,
      `every client to be forgotten (${server.ctx.sse.clientCount} left)`,
    );
  });
});
