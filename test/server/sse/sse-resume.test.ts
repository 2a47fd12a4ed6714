import { describe, expect, it } from 'vitest';
import { eventually } from '../../helpers/eventually.js';
import {
  openSse,
  type SseConnection,
  type SseEvent,
  startTestServer,
  type TestServer,
} from '../../helpers/server.js';
import {
  answerGate,
  seqs,
  sseProject,
  startRun,
  storedEvents,
  waitForGate,
  waitForRunEnd,
} from './sse-helpers.js';

/** Opens a run stream and tracks whether the server ended it. */
async function connect(server: TestServer, path: string, headers: Record<string, string> = {}) {
  const conn = await openSse(server, path, headers);
  expect(conn.status).toBe(200);
  let ended = false;
  void conn.ended.then(() => {
    ended = true;
  });
  return { conn, isEnded: () => ended };
}

/** What a connection received, once it is closed (no frame arrives after destroy). */
function hangUp(conn: SseConnection): SseEvent[] {
  conn.close();
  return [...conn.events];
}

function expectExactlyOnce(
  received: readonly SseEvent[],
  stored: readonly { seq: number; type: string }[],
): void {
  expect(seqs(received)).toEqual(stored.map((e) => e.seq));
  expect(received.map((e) => e.event)).toEqual(stored.map((e) => e.type));
  for (const e of received) expect(JSON.parse(e.data).seq).toBe(Number(e.id));
}

describe('SSE replay then live', () => {
  it('loses and repeats nothing across disconnects while the run keeps emitting', async () => {
    const server = await startTestServer(sseProject());
    const runId = await startRun(server, 'ticker');
    const path = `/api/runs/${runId}/events`;
    const received: SseEvent[] = [];
    let cycles = 0;
    for (; cycles < 6; cycles++) {
      const last = received.at(-1)?.id ?? undefined;
      // Alternate the two cursors: Last-Event-ID (what EventSource sends) and ?since=.
      const { conn, isEnded } =
        last === undefined
          ? await connect(server, path)
          : cycles % 2
            ? await connect(server, path, { 'last-event-id': last })
            : await connect(server, `${path}?since=${last}`);
      await eventually(() => conn.events.length >= 12 || isEnded(), 20_000, 'a dozen events or the end');
      received.push(...hangUp(conn));
      if (isEnded()) break;
    }
    const { conn, isEnded } = await connect(server, path, { 'last-event-id': received.at(-1)!.id! });
    await conn.ended;
    expect(isEnded()).toBe(true);
    received.push(...conn.events);
    await waitForRunEnd(server, runId);

    expectExactlyOnce(received, await storedEvents(server, runId));
    expect(received.at(-1)?.event).toBe('run_completed');
    expect(cycles).toBeGreaterThanOrEqual(3);
  });

  it('replays what happened while disconnected, then goes live (gates set the pace)', async () => {
    const server = await startTestServer(sseProject());
    const runId = await startRun(server, 'paced');
    const path = `/api/runs/${runId}/events`;
    const waitingAt = (events: SseEvent[], step: string) =>
      events.some((e) => e.event === 'gate_waiting' && JSON.parse(e.data).step === step);
    const received: SseEvent[] = [];

    // 1. Live until the first gate waits; hang up.
    let { conn } = await connect(server, path);
    await eventually(() => waitingAt(conn.events, 'gate1'), 20_000, 'gate1 to wait');
    received.push(...hangUp(conn));

    // 2. The run moves on while nobody listens: step b runs, gate2 waits. Resume: all of it is replay.
    await answerGate(server, runId, 'gate1');
    await waitForGate(server, runId, 'gate2');
    ({ conn } = await connect(server, path, { 'last-event-id': received.at(-1)!.id! }));
    await eventually(() => waitingAt(conn.events, 'gate2'), 20_000, 'gate2 to wait (replayed)');
    expect(conn.events[0]?.event).toBe('gate_answered');

    // 3. Same connection, now live: answering gate2 brings step c and gate3.
    await answerGate(server, runId, 'gate2');
    await eventually(() => waitingAt(conn.events, 'gate3'), 20_000, 'gate3 to wait (live)');
    received.push(...hangUp(conn));

    // 4. Resume with both cursors: Last-Event-ID wins over a stale ?since=0.
    const second = await connect(server, `${path}?since=0`, { 'last-event-id': received.at(-1)!.id! });
    await answerGate(server, runId, 'gate3');
    await second.conn.ended;
    received.push(...second.conn.events);

    await waitForRunEnd(server, runId);
    expectExactlyOnce(received, await storedEvents(server, runId));
    expect(received.at(-1)?.event).toBe('run_completed');
  });

  it('hands every event exactly once to clients that join at any moment of a busy run', async () => {
    const server = await startTestServer(sseProject());
    const runId = await startRun(server, 'ticker');
    const path = `/api/runs/${runId}/events`;
    const stored = async () => storedEvents(server, runId);
    const clients: { conn: SseConnection; from: number }[] = [];
    // Clients join at staggered cursors while the run commits a batch every few ms.
    for (let i = 0; i < 8; i++) {
      const now = await stored();
      const from = now[Math.floor(now.length / 2)]?.seq ?? 0;
      clients.push({ conn: (await connect(server, path, { 'last-event-id': String(from) })).conn, from });
      await eventually(() => clients[i]!.conn.events.length > 0, 20_000, 'a first event');
    }
    await Promise.all(clients.map((c) => c.conn.ended));
    await waitForRunEnd(server, runId);
    const all = await stored();
    for (const { conn, from } of clients) {
      expectExactlyOnce(
        conn.events,
        all.filter((e) => e.seq > from),
      );
    }
  });
});
