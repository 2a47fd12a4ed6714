import { describe, expect, it } from 'vitest';
import type { NewRun, Store } from '../../../src/store/store.js';
import { draft, eventsOf, newRun, pipelineSpec, stepSpec } from '../../helpers/store.js';
import type { StoreFactory } from './store-factory.js';

const FANOUT = pipelineSpec('fanout', [stepSpec('prepare'), { ...stepSpec('each'), kind: 'iterate' }]);
const CHILD = pipelineSpec('child', [stepSpec('work')]);

export function lineageContract(openStore: StoreFactory): void {
  async function childOf(store: Store, parent: string, index: number, extra: Partial<NewRun> = {}) {
    const { run } = await store.createRun(
      newRun({
        spec: CHILD,
        pipeline: 'child',
        trigger: { source: 'pipeline', actor: parent },
        parent: { runId: parent, step: 'each', index },
        claim: { owner: 'w1', leaseMs: 60_000 },
        ...extra,
      }),
    );
    return run;
  }

  describe('Store lineage: child runs of composition steps', () => {
    it('records the parent, lists children under their step in item order, counts them', async () => {
      const store = openStore();
      const { run: parent } = await store.createRun(newRun({ spec: FANOUT, pipeline: 'fanout' }));
      expect(parent).toMatchObject({ parent: null, childCount: 0 });
      // Created out of order (parallel items start in any order): listed by index.
      const c2 = await childOf(store, parent.id, 2);
      const c0 = await childOf(store, parent.id, 0);
      const c1 = await childOf(store, parent.id, 1);
      expect(c2).toMatchObject({
        parent: { runId: parent.id, step: 'each', index: 2 },
        trigger: { source: 'pipeline', actor: parent.id },
        owner: 'w1',
        childCount: 0,
      });
      expect(await store.getRun(c2.id)).toEqual(c2);
      expect((await store.getRun(parent.id))?.childCount).toBe(3);

      const steps = await store.listSteps(parent.id);
      expect(steps.map((s) => [s.id, s.kind, s.children])).toEqual([
        ['prepare', 'command', []],
        ['each', 'iterate', [c0.id, c1.id, c2.id]],
      ]);
      expect((await store.listChildren(parent.id)).map((r) => r.id)).toEqual([c0.id, c1.id, c2.id]);
      expect(await store.listChildren(c0.id)).toEqual([]);
    });

    it('lists top-level runs, one run’s children, or both', async () => {
      const store = openStore();
      const { run: a } = await store.createRun(newRun({ spec: FANOUT, pipeline: 'fanout' }));
      const { run: b } = await store.createRun(newRun({ spec: FANOUT, pipeline: 'fanout' }));
      const a0 = await childOf(store, a.id, 0);
      const b0 = await childOf(store, b.id, 0);
      const ids = async (parent?: string | null) =>
        (await store.listRuns({ limit: 50, ...(parent !== undefined ? { parent } : {}) })).runs.map(
          (r) => r.id,
        );
      expect(await ids(null)).toEqual([b.id, a.id]);
      expect(await ids(a.id)).toEqual([a0.id]);
      expect(await ids()).toEqual([b0.id, a0.id, b.id, a.id]);
      const top = (await store.listRuns({ limit: 50, parent: null })).runs;
      expect(top.map((r) => r.childCount)).toEqual([1, 1]);
    });

    it('never hands a child run to a scheduler: not claimed from the queue, not counted, not an orphan', async () => {
      const store = openStore();
      await store.registerInstance({ id: 'w1', host: 'h1', pid: 1, role: 'all' });
      const { run: parent } = await store.createRun(
        newRun({ spec: FANOUT, pipeline: 'fanout', claim: { owner: 'w1', leaseMs: 60_000 } }),
      );
      await store.append(parent.id, [draft.runStarted(parent.id)]);
      const running = await childOf(store, parent.id, 0);
      await store.append(running.id, [draft.runStarted(running.id)]);
      // An unclaimed queued child (a parent that died between creating and claiming it).
      await childOf(store, parent.id, 1, { claim: undefined });
      const { run: next } = await store.createRun(newRun());

      // Cap 2: the parent holds one slot, its running child none, so the queued top-level run fits.
      expect((await store.claimNextRun('w2', 60_000, 2))?.id).toBe(next.id);
      expect(await store.claimNextRun('w2', 60_000, 5)).toBeNull();

      await store.markInstanceDead('w1');
      expect((await store.findOrphans('server')).map((r) => r.id)).toEqual([parent.id]);
    });

    it('stores child_run_started and child_run_finished on the parent’s stream', async () => {
      const store = openStore();
      const { run: parent } = await store.createRun(newRun({ spec: FANOUT, pipeline: 'fanout' }));
      const child = await childOf(store, parent.id, 0);
      await store.append(parent.id, [
        {
          type: 'child_run_started',
          run_id: parent.id,
          step: 'each',
          child_run_id: child.id,
          pipeline: 'child',
        },
        {
          type: 'child_run_finished',
          run_id: parent.id,
          step: 'each',
          child_run_id: child.id,
          status: 'completed',
        },
      ]);
      const events = (await eventsOf(store, parent.id)).filter((e) => e.type.startsWith('child_run'));
      expect(events).toMatchObject([
        { type: 'child_run_started', step: 'each', child_run_id: child.id, pipeline: 'child' },
        { type: 'child_run_finished', step: 'each', child_run_id: child.id, status: 'completed' },
      ]);
    });
  });
}
