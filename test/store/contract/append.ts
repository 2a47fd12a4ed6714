import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type EventDraft, EventSchema, type WaveEvent } from '../../../src/events/catalogue.js';
import type { StoredEvent } from '../../../src/store/store.js';
import { draft, eventsOf, newRun, runAtGate, TestClock } from '../../helpers/store.js';
import { tempDir } from '../../helpers/tmp.js';
import type { StoreFactory } from './store-factory.js';

export function appendContract(openStore: StoreFactory): void {
  describe('Store.append: state and event in one transaction', () => {
    it('step_started then step_completed: status, attempts, times and duration', async () => {
      const clock = new TestClock();
      const store = openStore({ now: clock.now });
      const { run } = await store.createRun(newRun());
      await store.append(run.id, [draft.runStarted(run.id)]);
      expect(await store.getRun(run.id)).toMatchObject({ status: 'running', startedAt: clock.iso() });

      await store.append(run.id, [draft.stepStarted(run.id, 'build', 1, clock.iso(10))]);
      expect((await store.listSteps(run.id))[0]).toMatchObject({
        id: 'build',
        status: 'running',
        attempts: 1,
        startedAt: clock.iso(10),
        finishedAt: null,
        durationMs: null,
        error: null,
      });
      await store.append(run.id, [draft.stepCompleted(run.id, 'build', 1500.4, 1, clock.iso(1510))]);
      expect((await store.listSteps(run.id))[0]).toMatchObject({
        status: 'completed',
        attempts: 1,
        startedAt: clock.iso(10),
        finishedAt: clock.iso(1510),
        durationMs: 1500,
      });
      // A later run_started (a resume) keeps the first start time.
      clock.advance(60_000);
      await store.append(run.id, [draft.runStarted(run.id, true)]);
      expect((await store.getRun(run.id))?.startedAt).toBe(clock.iso(-60_000));
    });

    it('step_failed: running while a retry is due, failed without one, cancelled for a cancelled attempt', async () => {
      const clock = new TestClock();
      const store = openStore({ now: clock.now });
      const { run } = await store.createRun(newRun());
      const build = async () => (await store.listSteps(run.id)).find((s) => s.id === 'build')!;
      await store.append(run.id, [
        draft.runStarted(run.id),
        draft.stepStarted(run.id, 'build', 1, clock.iso(0)),
        draft.stepFailed(run.id, 'build', { willRetry: true, ts: clock.iso(700) }),
      ]);
      expect(await build()).toMatchObject({
        status: 'running',
        attempts: 1,
        finishedAt: null,
        durationMs: null,
        error: { code: 'exit_code', message: 'the command exited with code 1' },
      });
      await store.append(run.id, [draft.stepStarted(run.id, 'build', 2, clock.iso(2000))]);
      expect(await build()).toMatchObject({ status: 'running', attempts: 2, error: null });
      await store.append(run.id, [draft.stepFailed(run.id, 'build', { attempt: 2, ts: clock.iso(3234) })]);
      expect(await build()).toMatchObject({
        status: 'failed',
        attempts: 2,
        startedAt: clock.iso(2000),
        finishedAt: clock.iso(3234),
        durationMs: 1234,
      });

      await store.append(run.id, [
        draft.stepStarted(run.id, 'ship', 1),
        draft.stepFailed(run.id, 'ship', { code: 'cancelled' }),
      ]);
      expect((await store.listSteps(run.id)).find((s) => s.id === 'ship')?.status).toBe('cancelled');
    });

    it('step_failed: the duration is exact to the millisecond', async () => {
      const clock = new TestClock();
      const store = openStore();
      const { run } = await store.createRun(newRun());
      const durations: number[] = [];
      const expected: number[] = [];
      for (let i = 0; i < 40; i++) {
        const start = 10_000 * i + 37 * i;
        const took = 1000 + 13 * i;
        await store.append(run.id, [
          draft.stepStarted(run.id, 'build', 1, clock.iso(start)),
          draft.stepFailed(run.id, 'build', { ts: clock.iso(start + took) }),
        ]);
        durations.push((await store.listSteps(run.id))[0]!.durationMs!);
        expected.push(took);
      }
      expect(durations).toEqual(expected);
    });

    it('run_cancelled cancels every step not finished; completed steps stay completed', async () => {
      const clock = new TestClock();
      const store = openStore({ now: clock.now });
      const { run } = await store.createRun(newRun({ claim: { owner: 'me', leaseMs: 30_000 } }));
      await store.append(run.id, [
        draft.runStarted(run.id),
        draft.stepStarted(run.id, 'build'),
        draft.stepCompleted(run.id, 'build', 5),
        draft.stepStarted(run.id, 'review'),
      ]);
      clock.advance(100);
      await store.append(run.id, [draft.runCancelled(run.id, 'bob')]);
      const steps = await store.listSteps(run.id);
      expect(steps.map((s) => [s.id, s.status])).toEqual([
        ['build', 'completed'],
        ['review', 'cancelled'],
        ['ship', 'cancelled'],
      ]);
      expect(steps[1]?.finishedAt).toBe(clock.iso());
      expect(steps[2]?.finishedAt).toBeNull(); // never started
      expect(await store.getRun(run.id)).toMatchObject({
        status: 'cancelled',
        finishedAt: clock.iso(),
        cancelBy: 'bob',
        owner: null,
        leaseExpiresAt: null,
      });
    });

    it('gate_waiting creates the gate and sets the step (and, with run_waiting, the run) waiting', async () => {
      const store = openStore();
      const runId = await runAtGate(store);
      expect(await store.listGates(runId)).toEqual([
        {
          runId,
          step: 'review',
          status: 'waiting',
          prompt: 'Ship it?',
          choices: [
            { key: 'approve', label: 'Approve', target: null },
            { key: 'reject', label: 'Reject', target: '_fail' },
          ],
          freeform: true,
          default: null,
          timeoutAt: null,
          answer: null,
        },
      ]);
      expect((await store.listSteps(runId)).map((s) => s.status)).toEqual([
        'completed',
        'waiting',
        'pending',
      ]);
      expect((await store.getRun(runId))?.status).toBe('waiting');

      // The answer completes the gate; a step starting brings the run back to running.
      await store.answerGate(runId, 'review', { choice: 'approve', text: null, by: 'bob', timedOut: false });
      await store.append(runId, [draft.stepCompleted(runId, 'review', 10), draft.stepStarted(runId, 'ship')]);
      expect((await store.getRun(runId))?.status).toBe('running');
      expect((await store.listSteps(runId)).map((s) => s.status)).toEqual([
        'completed',
        'completed',
        'running',
      ]);
    });

    it('a gate that timed out without a default is recorded without an event', async () => {
      const store = openStore();
      const runId = await runAtGate(store);
      const seq = await store.lastSeq();
      await store.append(runId, [draft.stepFailed(runId, 'review', { code: 'gate_timeout' })], {
        gateTimedOut: { step: 'review' },
      });
      expect((await store.listGates(runId))[0]).toMatchObject({ status: 'timed_out', answer: null });
      expect((await eventsOf(store, runId)).filter((e) => e.seq > seq).map((e) => e.type)).toEqual([
        'step_failed',
      ]);
    });

    it('records artifacts from their artifact_written events, usage and outcomes', async () => {
      const clock = new TestClock();
      const store = openStore({ now: clock.now });
      const { run } = await store.createRun(newRun());
      const written = (name: string, size: number): EventDraft => ({
        type: 'artifact_written',
        run_id: run.id,
        step: 'build',
        name,
        size,
        sha256: `sha-${name}-${size}`,
      });
      await store.append(run.id, [written('report', 10), written('log', 3)], {
        artifacts: [
          { step: 'build', name: 'report', path: '/p/report.json', type: 'json' },
          { step: 'build', name: 'log', path: '/p/log.txt', type: 'text' },
          // No event announces this one: it is not recorded.
          { step: 'build', name: 'ghost', path: '/p/ghost', type: 'text' },
        ],
      });
      expect(await store.listArtifacts(run.id)).toEqual([
        {
          runId: run.id,
          step: 'build',
          name: 'log',
          path: '/p/log.txt',
          type: 'text',
          size: 3,
          sha256: 'sha-log-3',
          createdAt: clock.iso(),
        },
        {
          runId: run.id,
          step: 'build',
          name: 'report',
          path: '/p/report.json',
          type: 'json',
          size: 10,
          sha256: 'sha-report-10',
          createdAt: clock.iso(),
        },
      ]);
      // A retry writes the artifact again: replaced, not duplicated.
      clock.advance(5000);
      await store.append(run.id, [written('report', 12)], {
        artifacts: [{ step: 'build', name: 'report', path: '/p/report2.json', type: 'json' }],
      });
      const report = (await store.listArtifacts(run.id)).filter((a) => a.name === 'report');
      expect(report).toEqual([
        expect.objectContaining({
          path: '/p/report2.json',
          size: 12,
          sha256: 'sha-report-12',
          createdAt: clock.iso(),
        }),
      ]);

      const usage = { tokens_in: 100, tokens_out: 20, cost_usd: 0.01 };
      const outcomes = [{ step: 'build', type: 'url', label: 'PR', value: 'https://x/1' }];
      await store.append(run.id, [draft.stepCompleted(run.id, 'build', 5)], {
        usage: { step: 'build', usage },
        outcomes,
      });
      expect((await store.listSteps(run.id))[0]?.usage).toEqual(usage);
      expect((await store.getRun(run.id))?.outcomes).toEqual(outcomes);
    });

    it('run_completed and run_failed finish the run and release its owner', async () => {
      const store = openStore();
      const a = (await store.createRun(newRun({ claim: { owner: 'me', leaseMs: 1000 } }))).run.id;
      const b = (await store.createRun(newRun({ claim: { owner: 'me', leaseMs: 1000 } }))).run.id;
      await store.append(a, [draft.runStarted(a), draft.runCompleted(a)]);
      const error = { code: 'exit_code', message: 'boom', step: 'build' };
      await store.append(b, [
        draft.runStarted(b),
        { type: 'run_failed', run_id: b, status: 'failed', duration_ms: 3, error },
      ]);
      expect(await store.getRun(a)).toMatchObject({ status: 'completed', owner: null, error: null });
      expect(await store.getRun(b)).toMatchObject({ status: 'failed', owner: null, error });
      expect((await store.getRun(b))?.finishedAt).not.toBeNull();
    });
  });

  describe('Store: publishing after commit', () => {
    it('calls onCommit after the commit, with increasing seqs, once per transaction', async () => {
      const path = join(tempDir(), 'state.db');
      // A second store on the same file sees only committed data: each event must be there.
      const reader = openStore({ path, origin: 'reader' });
      const checks: Promise<StoredEvent[]>[] = [];
      const batches: WaveEvent[][] = [];
      const store = openStore({
        path,
        onCommit: (events) => {
          batches.push(events);
          for (const e of events)
            checks.push(reader.readEvents({ afterSeq: e.seq - 1, upToSeq: e.seq, limit: 1 }));
        },
      });
      const { run } = await store.createRun(newRun());
      await store.append(run.id, [draft.runStarted(run.id), draft.stepStarted(run.id, 'build')]);
      await store.append(run.id, [draft.line(run.id, 'build', 'hello')]);
      // A commit without events is announced too (a state-only change is news to the change feed).
      await store.append(run.id, []);
      await store.append(run.id, [draft.stepCompleted(run.id, 'build', 3)]);

      expect(batches.map((b) => b.map((e) => e.type))).toEqual([
        ['run_queued'],
        ['run_started', 'step_started'],
        ['stream_activity'],
        [],
        ['step_completed'],
      ]);
      const seqs = batches.flat().map((e) => e.seq);
      expect(seqs).toEqual([1, 2, 3, 4, 5]);
      const seen = await Promise.all(checks);
      expect(seen.map((rows) => rows.map((r) => r.seq))).toEqual(seqs.map((s) => [s]));
    });

    it('never calls onCommit, and keeps nothing, when the transaction throws', async () => {
      const batches: WaveEvent[][] = [];
      const store = openStore({ onCommit: (events) => batches.push(events) });
      const { run } = await store.createRun(newRun());
      const before = await store.lastSeq();

      // gate_waiting for a run that does not exist: the gate row breaks its foreign key after the
      // lines before it were inserted; all of it must roll back.
      await expect(
        store.append('ghost', [
          draft.line('ghost', 'review', 'a line'),
          draft.gateWaiting('ghost', 'review'),
        ]),
      ).rejects.toMatchObject({ code: 'store_unavailable', message: expect.stringMatching(/foreign key/i) });
      // An artifact of an unknown run: the event goes in, the side effect fails.
      await expect(
        store.append(
          'ghost',
          [{ type: 'artifact_written', run_id: 'ghost', step: 'build', name: 'a', size: 1, sha256: 'x' }],
          { artifacts: [{ step: 'build', name: 'a', path: '/a', type: 'text' }] },
        ),
      ).rejects.toMatchObject({ code: 'store_unavailable' });

      expect(batches).toHaveLength(1);
      expect(await store.lastSeq()).toBe(before);
      expect(await store.readEvents({ afterSeq: 0, runId: 'ghost', limit: 10 })).toEqual([]);
      expect(await store.listGates('ghost')).toEqual([]);

      // The store is still usable, and seqs go on without a gap.
      const [next] = await store.append(run.id, [draft.runStarted(run.id)]);
      expect(next?.seq).toBe(before + 1);
      expect(batches).toHaveLength(2);
    });

    it('writes very large batches (the stack is not the limit)', async () => {
      const store = openStore();
      const { run } = await store.createRun(newRun());
      const lines = Array.from({ length: 150_000 }, (_, i) => draft.line(run.id, 'build', `line ${i}`));
      const events = await store.append(run.id, lines);
      expect(events).toHaveLength(150_000);
      expect(await store.lastSeq()).toBe(150_001);
    });
  });

  describe('Store.readEvents', () => {
    async function seed() {
      const clock = new TestClock();
      const path = join(tempDir(), 'state.db');
      const store = openStore({ path, now: clock.now, origin: 'mine' });
      const other = openStore({ path, now: clock.now, origin: 'theirs' });
      const a = (await store.createRun(newRun())).run.id;
      const b = (await store.createRun(newRun())).run.id;
      await store.append(a, [
        draft.runStarted(a),
        draft.stepStarted(a, 'build'),
        draft.line(a, 'build', 'a1'),
        draft.line(a, 'build', 'a2'),
      ]);
      await other.append(b, [
        draft.runStarted(b),
        draft.stepStarted(b, 'build'),
        draft.line(b, 'build', 'b1'),
      ]);
      await store.append(a, [draft.stepCompleted(a, 'build', 4), draft.stepStarted(a, 'ship')]);
      await store.append(a, [draft.line(a, 'ship', 'a3')]);
      return { store, other, a, b };
    }

    it('filters by run, types, step, seq range and origin, in seq order, up to a limit', async () => {
      const { store, a, b } = await seed();
      const seqs = async (q: Partial<Parameters<typeof store.readEvents>[0]>) =>
        (await store.readEvents({ afterSeq: 0, limit: 100, ...q })).map((r) => r.seq);
      // 1 queued a, 2 queued b, 3-6 a, 7-9 b (theirs), 10-11 a, 12 a.
      expect(await seqs({})).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
      expect(await seqs({ runId: a })).toEqual([1, 3, 4, 5, 6, 10, 11, 12]);
      expect(await seqs({ runId: b })).toEqual([2, 7, 8, 9]);
      expect(await seqs({ types: ['stream_activity'] })).toEqual([5, 6, 9, 12]);
      expect(await seqs({ types: ['step_started', 'step_completed'], runId: a })).toEqual([4, 10, 11]);
      expect(await seqs({ types: [] })).toHaveLength(12);
      expect(await seqs({ step: 'build', runId: a })).toEqual([4, 5, 6, 10]);
      expect(await seqs({ step: 'ship' })).toEqual([11, 12]);
      expect(await seqs({ afterSeq: 5 })).toEqual([6, 7, 8, 9, 10, 11, 12]);
      expect(await seqs({ afterSeq: 5, upToSeq: 9 })).toEqual([6, 7, 8, 9]);
      expect(await seqs({ afterSeq: 12 })).toEqual([]);
      expect(await seqs({ excludeOrigin: 'mine' })).toEqual([7, 8, 9]);
      expect(await seqs({ excludeOrigin: 'theirs', runId: b })).toEqual([2]);
      expect(await seqs({ limit: 3, afterSeq: 4 })).toEqual([5, 6, 7]);
      expect(
        await seqs({ runId: a, types: ['stream_activity'], step: 'build', afterSeq: 5, upToSeq: 12 }),
      ).toEqual([6]);

      const [row] = await store.readEvents({ afterSeq: 11, limit: 1 });
      expect(row).toMatchObject({ seq: 12, runId: a, type: 'stream_activity' });
    });

    it('stores each event as exactly its JSON object, seq first', async () => {
      const clock = new TestClock();
      const store = openStore({ now: clock.now });
      const { run, events: queued } = await store.createRun(newRun());
      const drafts = [
        draft.runStarted(run.id),
        draft.stepStarted(run.id, 'build', 1, '2026-11-21T09:59:59.999Z'),
        draft.line(run.id, 'build', 'ünïcödé "quoted" \\ and\nnewline'),
        draft.stepCompleted(run.id, 'build', 30),
        draft.gateWaiting(run.id, 'review'),
      ];
      const events = [...queued, ...(await store.append(run.id, drafts))];
      const rows = await store.readEvents({ runId: run.id, afterSeq: 0, limit: 100 });
      expect(rows.map((r) => r.json)).toEqual(events.map((e) => JSON.stringify(e)));
      for (const [i, row] of rows.entries()) {
        const parsed = JSON.parse(row.json) as Record<string, unknown>;
        expect(Object.keys(parsed).slice(0, 4)).toEqual(['seq', 'ts', 'type', 'run_id']);
        expect(parsed.seq).toBe(row.seq);
        expect(row.type).toBe(parsed.type);
        expect(EventSchema.parse(parsed)).toEqual(parsed);
        if (i === 0) continue;
        // Exactly the draft's fields plus seq (and ts, the commit time unless the draft had one).
        const d = drafts[i - 1]!;
        expect(parsed).toEqual({ seq: row.seq, ts: d.ts ?? clock.iso(), ...d });
      }
      expect(JSON.parse(rows[2]!.json).ts).toBe('2026-11-21T09:59:59.999Z');
      expect(Object.keys(JSON.parse(rows[4]!.json))).toEqual([
        'seq',
        'ts',
        'type',
        'run_id',
        'step',
        'status',
        'duration_ms',
        'attempt',
      ]);
    });
  });
}
