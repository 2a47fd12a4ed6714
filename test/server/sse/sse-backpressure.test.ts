import { describe, expect, it } from 'vitest';
import { eventually } from '../../helpers/eventually.js';
import type { SseEvent } from '../../helpers/server.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import {
  answerGate,
  type ControlledSse,
  FLOOD_LINES,
  openControlledSse,
  seqs,
  sseProject,
  startRun,
  storedEvents,
  waitForGate,
  waitForRunEnd,
} from './sse-helpers.js';

const LIMIT = 64 * 1024;
const READERS = 3;

interface Flood {
  runId: string;
  readers: ControlledSse[];
  /** How long the 20 MB step ran, from the store's step_completed. */
  stepMs: number;
}

/** A flood run watched by `READERS` clients that read everything (and `extra`, connected first). */
async function flood(
  server: TestServer,
  extra: (path: string) => Promise<ControlledSse | null>,
): Promise<Flood & { extra: ControlledSse | null }> {
  const runId = await startRun(server, 'flood');
  await waitForGate(server, runId, 'go');
  const path = `/api/runs/${runId}/events`;
  const stalled = await extra(path);
  const readers = await Promise.all(Array.from({ length: READERS }, () => openControlledSse(server, path)));
  await eventually(
    () => server.ctx.sse.clientCount === READERS + (stalled ? 1 : 0),
    5000,
    'every client to be connected',
  );
  await answerGate(server, runId, 'go');
  await waitForRunEnd(server, runId, 90_000);
  await Promise.all(readers.map((r) => r.ended));
  const stored = await server.ctx.store.readEvents({
    runId,
    types: ['step_completed'],
    afterSeq: 0,
    limit: 10,
  });
  const step = stored
    .map((r) => JSON.parse(r.json) as { step: string; duration_ms: number })
    .find((e) => e.step === 'lines');
  return { runId, readers, stepMs: step!.duration_ms, extra: stalled };
}

function expectAll(events: readonly SseEvent[], stored: readonly { seq: number }[], who: string): void {
  const got = seqs(events);
  expect(got.length, who).toBe(stored.length);
  expect(got, who).toEqual(stored.map((e) => e.seq));
}

describe('SSE back-pressure', () => {
  it('drops a stalled client without delaying the run or the other clients; it resumes exactly once', async () => {
    const server = await startTestServer(sseProject(), { context: { sse: { maxBufferBytes: LIMIT } } });

    // The same flood with nobody stalled: what "about the same time" is measured against.
    const baseline = await flood(server, async () => null);
    const baseStored = await storedEvents(server, baseline.runId);
    expect(baseStored.length).toBeGreaterThan(FLOOD_LINES);
    for (const [i, r] of baseline.readers.entries()) {
      expect(r.complete(), `baseline reader ${i} ended normally`).toBe(true);
      expectAll(r.events, baseStored, `baseline reader ${i}`);
    }

    const run = await flood(server, async (path) => {
      const c = await openControlledSse(server, path);
      await eventually(() => c.events.length > 0, 5000, 'the stalled client to get its first events');
      c.pause();
      return c;
    });
    const stalled = run.extra!;
    const stored = await storedEvents(server, run.runId);

    // The run finished while the stalled client never read a byte more: nobody waited for it.
    for (const [i, r] of run.readers.entries()) {
      expect(r.complete(), `reader ${i} ended normally`).toBe(true);
      expectAll(r.events, stored, `reader ${i}`);
    }
    expect(run.stepMs).toBeLessThan(baseline.stepMs * 3 + 5000);
    await eventually(
      () => server.ctx.sse.clientCount === 0,
      5000,
      'the server to have let go of every client',
    );

    // The server cut the stalled client: reading now yields a strict prefix, without the end.
    stalled.resume();
    await stalled.ended;
    const got = seqs(stalled.events);
    expect(got.length).toBeGreaterThan(0);
    expect(got.length).toBeLessThan(stored.length);
    expect(got).toEqual(stored.slice(0, got.length).map((e) => e.seq));
    expect(stalled.events.some((e) => e.event === 'run_completed')).toBe(false);

    // It resumes with Last-Event-ID and gets the rest, each event once, to the end.
    const resumed = await openControlledSse(server, `/api/runs/${run.runId}/events`, {
      'last-event-id': stalled.events.at(-1)!.id!,
    });
    await resumed.ended;
    expect(resumed.complete()).toBe(true);
    expectAll([...stalled.events, ...resumed.events], stored, 'stalled + resumed');
  }, 180_000);
});
