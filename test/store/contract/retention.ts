import { describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/store.js';
import {
  draft,
  eventsOf,
  newRun,
  pipelineSpec,
  runAtGate,
  stepSpec,
  TestClock,
} from '../../helpers/store.js';
import type { StoreFactory } from './store-factory.js';

const DAY = 86_400_000;
const FANOUT = pipelineSpec('fanout', [{ ...stepSpec('each'), kind: 'iterate' }]);
const CHILD = pipelineSpec('child', [stepSpec('work')]);

export function retentionContract(openStore: StoreFactory): void {
  async function finished(store: Store, how: 'completed' | 'failed' | 'cancelled', lines = 0, extra = {}) {
    const { run } = await store.createRun(newRun(extra));
    const body = Array.from({ length: lines }, (_, i) => draft.line(run.id, 'build', `line ${i}`));
    const end =
      how === 'completed'
        ? draft.runCompleted(run.id)
        : how === 'cancelled'
          ? draft.runCancelled(run.id, 'alice')
          : ({
              type: 'run_failed',
              run_id: run.id,
              status: 'failed',
              duration_ms: 1,
              error: { code: 'exit_code', message: 'boom', step: 'build' },
            } as const);
    await store.append(run.id, [draft.runStarted(run.id), draft.stepStarted(run.id, 'build'), ...body, end]);
    return run.id;
  }
  const all = (iso: string) => ({ completed: iso, failed: iso, cancelled: iso });

  describe('Store retention: pruning finished runs', () => {
    it('finds finished runs past their status’s cutoff, oldest first; deletes them and everything of theirs', async () => {
      const clock = new TestClock();
      const store = openStore({ now: clock.now });
      const oldDone = await finished(store, 'completed', 3);
      const oldFailed = await finished(store, 'failed');
      const oldCancelled = await finished(store, 'cancelled');
      const { run: queued } = await store.createRun(newRun());
      const gated = await runAtGate(store);
      clock.advance(10 * DAY);
      const recent = await finished(store, 'completed');
      const cutoff = clock.iso(-5 * DAY);

      const found = await store.retention.findPrunableRuns(
        { completed: cutoff, failed: null, cancelled: cutoff },
        100,
      );
      expect(found.map((r) => [r.id, r.status, r.runIds])).toEqual([
        [oldDone, 'completed', [oldDone]],
        [oldCancelled, 'cancelled', [oldCancelled]],
      ]);
      expect(found[0]!.pipeline).toBe('ship');

      const delivery = (runId: string, seq: number) => ({
        id: `d-${seq}`,
        notification: 'ops',
        eventSeq: seq,
        eventType: 'run_completed',
        runId,
        url: 'https://hooks.example.com/',
        body: '{}',
      });
      await store.deliveries.enqueueDeliveries([delivery(oldDone, 1), delivery(oldCancelled, 2)], 2);
      const [sent] = await store.deliveries.claimDueDeliveries('me', clock.ms + 1, 60_000, 1);
      await store.deliveries.finishAttempt(sent!.id, 'me', { kind: 'delivered', status: 200 });

      expect(await store.retention.deleteRuns([oldDone, oldCancelled])).toEqual([oldDone, oldCancelled]);
      // A delivery that went out goes with its run; one still pending is left to finish.
      expect((await store.deliveries.listDeliveries({ limit: 10 })).map((d) => d.runId)).toEqual([
        oldCancelled,
      ]);
      expect(await store.getRun(oldDone)).toBeNull();
      expect(await eventsOf(store, oldDone)).toEqual([]);
      expect(await store.listSteps(oldDone)).toEqual([]);
      expect(await store.readOutput({ runId: oldDone, afterSeq: 0, limit: 100 })).toEqual([]);
      // Everything else is untouched.
      for (const id of [oldFailed, queued.id, gated, recent]) expect(await store.getRun(id)).not.toBeNull();
      expect((await eventsOf(store, oldFailed)).length).toBeGreaterThan(0);
      expect(await store.retention.findPrunableRuns(all(clock.iso(DAY)), 100)).toHaveLength(2);
    });

    it('never deletes an active run, even when asked to by id', async () => {
      const store = openStore();
      const { run: queued } = await store.createRun(newRun());
      const gated = await runAtGate(store);
      expect(await store.retention.deleteRuns([queued.id, gated])).toEqual([]);
      expect(await store.getRun(queued.id)).not.toBeNull();
      expect(await store.getRun(gated)).not.toBeNull();
      expect(await store.retention.findPrunableRuns(all('9999-01-01T00:00:00.000Z'), 100)).toEqual([]);
    });

    it('takes child runs with their parent, and leaves a tree alone while any of it is active', async () => {
      const store = openStore();
      const { run: parent } = await store.createRun(newRun({ spec: FANOUT, pipeline: 'fanout' }));
      const child = async () =>
        (
          await store.createRun(
            newRun({
              spec: CHILD,
              pipeline: 'child',
              trigger: { source: 'pipeline', actor: parent.id },
              parent: { runId: parent.id, step: 'each', index: 0 },
            }),
          )
        ).run.id;
      const c0 = await child();
      await store.append(c0, [draft.runStarted(c0), draft.runCompleted(c0)]);
      await store.append(parent.id, [draft.runStarted(parent.id)]);
      const future = all('9999-01-01T00:00:00.000Z');
      // The parent is running: neither it nor its finished child may go.
      expect(await store.retention.findPrunableRuns(future, 100)).toEqual([]);
      await store.append(parent.id, [draft.runCompleted(parent.id)]);
      const [tree] = await store.retention.findPrunableRuns(future, 100);
      expect(tree).toMatchObject({ id: parent.id, runIds: [parent.id, c0] });
      await store.retention.deleteRuns(tree!.runIds);
      expect(await store.getRun(c0)).toBeNull();
      expect(await store.getRun(parent.id)).toBeNull();
    });

    it('never gives a deleted event’s seq to a new event', async () => {
      const store = openStore();
      const id = await finished(store, 'completed', 2);
      const top = await store.lastSeq();
      await store.retention.deleteRuns([id]);
      expect(await store.lastSeq()).toBe(top);
      const next = await finished(store, 'completed');
      expect((await eventsOf(store, next))[0]!.seq).toBe(top + 1);
    });

    it('logs: drops only the output lines of finished runs before the cutoff', async () => {
      const clock = new TestClock();
      const store = openStore({ now: clock.now });
      const old = await finished(store, 'completed', 4);
      const { run: active } = await store.createRun(newRun());
      await store.append(active.id, [
        draft.runStarted(active.id),
        draft.line(active.id, 'build', 'still going'),
      ]);
      clock.advance(2 * DAY);
      const recent = await finished(store, 'completed', 2);
      const before = await eventsOf(store, old);

      expect(await store.retention.findLogsToPrune(clock.iso(-DAY), 100)).toEqual([{ id: old, lines: 4 }]);
      expect(await store.retention.deleteLogs([old, active.id])).toBe(4);
      expect(await store.readOutput({ runId: old, afterSeq: 0, limit: 100 })).toEqual([]);
      expect((await eventsOf(store, old)).map((e) => e.type)).toEqual(
        before.filter((e) => e.type !== 'stream_activity').map((e) => e.type),
      );
      expect(await store.getRun(old)).toMatchObject({ status: 'completed' });
      expect(await store.readOutput({ runId: active.id, afterSeq: 0, limit: 100 })).toHaveLength(1);
      expect(await store.readOutput({ runId: recent, afterSeq: 0, limit: 100 })).toHaveLength(2);
      expect(await store.retention.findLogsToPrune(clock.iso(-DAY), 100)).toEqual([]);
    });
  });
}
