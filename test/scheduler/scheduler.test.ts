import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { WaveEvent } from '../../src/events/catalogue.js';
import { eventually } from '../helpers/eventually.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';
import { yaml } from '../helpers/tmp.js';
import { type RunBody, serverProject, storedEvents, waitForGate, waitForStatus } from '../server/support.js';

/** Each run appends start/end lines to a shared file and holds its slot until `go` exists. */
const HELD = yaml`
  kind: WavePipeline
  steps:
    - id: work
      type: command
      workspace: { type: project }
      script: |
        echo "start $WAVE_RUN_ID" >> ticks.log
        while [ ! -f go ]; do sleep 0.05; done
        sleep 0.1
        echo "end $WAVE_RUN_ID" >> ticks.log
`;

/** Holds its slot until `release` exists in the project. */
const BLOCKER = yaml`
  kind: WavePipeline
  steps:
    - id: block
      type: command
      workspace: { type: project }
      script: |
        while [ ! -f release ]; do sleep 0.05; done
        echo released
`;

const TERMINAL = new Set(['run_completed', 'run_failed', 'run_cancelled']);

/** The most runs between run_started and their terminal event at any point in seq order. */
function maxRunningFromEvents(events: WaveEvent[]): number {
  const running = new Set<string>();
  let max = 0;
  for (const e of events) {
    if (e.type === 'run_started') running.add(e.run_id);
    else if (TERMINAL.has(e.type)) running.delete(e.run_id);
    else if (e.type === 'run_waiting') running.delete(e.run_id);
    max = Math.max(max, running.size);
  }
  return max;
}

/** The most runs between their `start` and `end` lines in the shared file. */
function maxRunningFromFile(lines: string[]): number {
  let now = 0;
  let max = 0;
  for (const line of lines) {
    if (line.startsWith('start ')) now++;
    else if (line.startsWith('end ')) now--;
    max = Math.max(max, now);
  }
  return max;
}

function seqOf(events: WaveEvent[], runId: string, type: string, step?: string): number {
  const e = events.find(
    (x) => x.run_id === runId && x.type === type && (step === undefined || ('step' in x && x.step === step)),
  );
  if (!e) throw new Error(`no ${type}${step ? ` of ${step}` : ''} for ${runId}`);
  return e.seq;
}

async function post(server: TestServer, pipeline: string): Promise<RunBody> {
  const res = await api<RunBody>(server, 'POST', '/api/runs', { pipeline });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

describe('scheduler', () => {
  it('20 concurrent submissions with max_concurrent 3: never more than 3 at once, started FIFO', async () => {
    const server = await startTestServer(serverProject({ '.wave/pipelines/held.yaml': HELD }), {
      flags: { maxConcurrent: 3 },
    });
    const created = await Promise.all(Array.from({ length: 20 }, () => post(server, 'held')));
    for (const run of created) {
      expect(run.status).toBe('queued');
      expect(run.queue_position).toBeGreaterThanOrEqual(1);
      expect(run.queue_position).toBeLessThanOrEqual(20);
    }
    expect(new Set(created.map((r) => r.id)).size).toBe(20);

    // The first three hold every slot until `go` exists; the rest wait in line, numbered 1..17.
    await eventually(
      async () => (await server.ctx.store.countByStatus()).running === 3,
      20_000,
      'three runs running',
    );
    const queued = await api<{ runs: RunBody[] }>(server, 'GET', '/api/runs?status=queued&limit=200');
    expect(queued.body.runs).toHaveLength(17);
    // Newest first: positions 17..1.
    expect(queued.body.runs.map((r) => r.queue_position)).toEqual(
      Array.from({ length: 17 }, (_, i) => 17 - i),
    );
    const health = await api<{ runs: Record<string, number> }>(server, 'GET', '/api/health');
    expect(health.body.runs).toEqual({ queued: 17, running: 3, waiting: 0 });
    expect(server.ctx.scheduler.runningCount).toBe(3);

    writeFileSync(join(server.root, 'go'), '');
    for (const run of created)
      await waitForStatus(server, run.id, ['completed', 'failed', 'cancelled'], 60_000);

    const events = await storedEvents(server);
    expect(maxRunningFromEvents(events)).toBe(3);
    const lines = readFileSync(join(server.root, 'ticks.log'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(40);
    expect(maxRunningFromFile(lines)).toBeLessThanOrEqual(3);
    expect(maxRunningFromFile(lines)).toBe(3);

    // FIFO: runs started in the order they were queued (created).
    const queuedOrder = events.filter((e) => e.type === 'run_queued').map((e) => e.run_id);
    const startedOrder = events.filter((e) => e.type === 'run_started').map((e) => e.run_id);
    expect(startedOrder).toEqual(queuedOrder);
    expect(new Set(queuedOrder)).toEqual(new Set(created.map((r) => r.id)));
    // The run_queued events number the line as it was at creation.
    const positions = events.flatMap((e) => (e.type === 'run_queued' ? [e.queue_position] : []));
    for (const p of positions) expect(p).toBeGreaterThanOrEqual(1);
    // created_at agrees with the queue order.
    const createdAt = new Map(created.map((r) => [r.id, r.created_at]));
    const times = queuedOrder.map((id) => createdAt.get(id)!);
    expect([...times].sort()).toEqual(times);
  }, 90_000);

  it('a run waiting at a gate holds no slot; once answered it gets the next free slot before queued runs', async () => {
    const server = await startTestServer(serverProject({ '.wave/pipelines/blocker.yaml': BLOCKER }), {
      flags: { maxConcurrent: 1 },
    });
    // A waits at its gate: it must not block B.
    const a = await post(server, 'strict');
    await waitForGate(server, a.id, 'ask');
    await waitForStatus(server, a.id, ['waiting']);
    const b = await post(server, 'blocker');
    await waitForStatus(server, b.id, ['running']);
    // C queues behind B (the only slot is B's).
    const c = await post(server, 'quick');
    expect(c.status).toBe('queued');
    expect((await api<RunBody>(server, 'GET', `/api/runs/${c.id}`)).body.queue_position).toBe(1);

    // A is answered while B holds the slot: A now needs a slot and is ahead of C.
    const answer = await api(server, 'POST', `/api/runs/${a.id}/gate/ask`, { choice: 'blue' });
    expect(answer.status).toBe(200);
    // A's gate step is done: A now waits for a slot (its next step is a command).
    await eventually(
      async () =>
        (await storedEvents(server, a.id)).some((e) => e.type === 'step_completed' && e.step === 'ask'),
      10_000,
      'the gate step to complete',
    );
    expect((await api<RunBody>(server, 'GET', `/api/runs/${b.id}`)).body.status).toBe('running');
    writeFileSync(join(server.root, 'release'), '');

    for (const run of [a, b, c])
      await waitForStatus(server, run.id, ['completed', 'failed', 'cancelled'], 30_000);
    for (const run of [a, b, c])
      expect((await api<RunBody>(server, 'GET', `/api/runs/${run.id}`)).body.status).toBe('completed');

    const events = await storedEvents(server);
    // B started while A was waiting.
    expect(seqOf(events, a.id, 'run_waiting')).toBeLessThan(seqOf(events, b.id, 'run_started'));
    // A's step after the gate ran only once B had freed the slot, and ended before C started.
    expect(seqOf(events, a.id, 'step_started', 'after')).toBeGreaterThan(
      seqOf(events, b.id, 'run_completed'),
    );
    expect(seqOf(events, a.id, 'run_completed')).toBeLessThan(seqOf(events, c.id, 'run_started'));
    // Never more than one run holding the slot (waiting runs hold none).
    expect(maxRunningFromEvents(events)).toBe(1);
  });

  it('with max_concurrent 1, two runs can wait at gates at once and a queued run still runs', async () => {
    const server = await startTestServer(serverProject(), { flags: { maxConcurrent: 1 } });
    // Two runs waiting at gates at the same time with one slot: both got to wait.
    const first = await post(server, 'strict');
    const second = await post(server, 'strict');
    await waitForStatus(server, first.id, ['waiting']);
    await waitForStatus(server, second.id, ['waiting']);
    const quick = await post(server, 'quick');
    await waitForStatus(server, quick.id, ['completed']);
    for (const run of [first, second]) {
      expect((await api(server, 'POST', `/api/runs/${run.id}/gate/ask`, { choice: 'red' })).status).toBe(200);
    }
    await waitForStatus(server, first.id, ['completed']);
    await waitForStatus(server, second.id, ['completed']);
    const events = await storedEvents(server);
    expect(maxRunningFromEvents(events)).toBe(1);
  });
});
