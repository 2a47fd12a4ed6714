import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { WaveEvent } from '../../../src/events/catalogue.js';
import { draft, eventsOf, newRun, runAtGate, TestClock } from '../../helpers/store.js';
import { tempDir } from '../../helpers/tmp.js';
import type { StoreFactory } from './store-factory.js';

export function gatesContract(openStore: StoreFactory): void {
  const answer = (by: string, choice = 'approve') => ({ choice, text: `from ${by}`, by, timedOut: false });

  describe('Store.answerGate: the first answer wins', () => {
    it('of 20 concurrent answers, from two connections, exactly one gets the event', async () => {
      const clock = new TestClock();
      const path = join(tempDir(), 'state.db');
      const published: WaveEvent[] = [];
      const a = openStore({ path, now: clock.now, onCommit: (e) => published.push(...e) });
      const b = openStore({ path, now: clock.now, origin: 'other', onCommit: (e) => published.push(...e) });
      const runId = await runAtGate(a);
      const before = published.length;

      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 ? b : a).answerGate(runId, 'review', answer(`user${i}`, i % 3 ? 'approve' : 'reject')),
        ),
      );
      const winners = results.filter((r) => r !== null);
      expect(winners).toHaveLength(1);
      const won = winners[0]!;
      expect(won).toMatchObject({ type: 'gate_answered', run_id: runId, step: 'review', timed_out: false });
      if (won.type !== 'gate_answered') return;

      const [gate] = await b.listGates(runId);
      expect(gate).toMatchObject({
        status: 'answered',
        answer: { choice: won.choice, text: won.text, by: won.by, at: clock.iso() },
      });
      const answered = (await eventsOf(a, runId)).filter((e) => e.type === 'gate_answered');
      expect(answered).toEqual([won]);
      expect(published.slice(before)).toEqual([won]);
    });

    it('records a timeout as timed_out', async () => {
      const store = openStore();
      const runId = await runAtGate(store);
      const event = await store.answerGate(runId, 'review', {
        choice: 'reject',
        text: null,
        by: null,
        timedOut: true,
      });
      expect(event).toMatchObject({ type: 'gate_answered', choice: 'reject', by: null, timed_out: true });
      expect((await store.listGates(runId))[0]).toMatchObject({
        status: 'timed_out',
        answer: { choice: 'reject', text: null, by: null },
      });
    });

    it('returns null for a gate that is not waiting: not reached, already answered, unknown', async () => {
      const store = openStore();
      const { run } = await store.createRun(newRun());
      await store.append(run.id, [draft.runStarted(run.id), draft.stepStarted(run.id, 'build')]);
      expect(await store.answerGate(run.id, 'review', answer('bob'))).toBeNull();
      expect(await store.listGates(run.id)).toEqual([]);

      const runId = await runAtGate(store);
      expect(await store.answerGate(runId, 'review', answer('bob'))).not.toBeNull();
      expect(await store.answerGate(runId, 'review', answer('carol', 'reject'))).toBeNull();
      expect((await store.listGates(runId))[0]?.answer).toMatchObject({ choice: 'approve', by: 'bob' });

      expect(await store.answerGate(runId, 'ship', answer('bob'))).toBeNull();
      expect(await store.answerGate('no-such-run', 'review', answer('bob'))).toBeNull();
    });

    it('returns null once the run is finished or while it is still queued', async () => {
      const store = openStore();
      const runId = await runAtGate(store);
      await store.append(runId, [draft.runCancelled(runId, 'bob')]);
      const seq = await store.lastSeq();
      expect(await store.answerGate(runId, 'review', answer('carol'))).toBeNull();
      expect(await store.lastSeq()).toBe(seq);
      expect((await store.listGates(runId))[0]?.answer).toBeNull();

      const { run } = await store.createRun(newRun());
      expect(await store.answerGate(run.id, 'review', answer('carol'))).toBeNull();
    });
  });

  describe('a gate whose run ends first', () => {
    it('is cancelled when the run is cancelled or fails while it waits; answered gates stay answered', async () => {
      const store = openStore();
      const cancelled = await runAtGate(store);
      await store.append(cancelled, [draft.runCancelled(cancelled, 'bob')]);
      expect((await store.listGates(cancelled)).map((g) => [g.status, g.answer])).toEqual([
        ['cancelled', null],
      ]);

      const failed = await runAtGate(store);
      await store.append(failed, [
        {
          type: 'run_failed',
          run_id: failed,
          status: 'failed',
          duration_ms: 1,
          error: { code: 'interrupted', message: 'the server stopped', step: null },
        },
      ]);
      expect((await store.listGates(failed))[0]?.status).toBe('cancelled');

      const answered = await runAtGate(store);
      await store.answerGate(answered, 'review', answer('bob'));
      await store.append(answered, [draft.runCancelled(answered, 'carol')]);
      expect((await store.listGates(answered))[0]).toMatchObject({
        status: 'answered',
        answer: { by: 'bob' },
      });
    });
  });
}
