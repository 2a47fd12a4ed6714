import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { insightsFromRows } from '../../src/service/insights/insights.js';
import type { Store } from '../../src/store/store.js';
import { ALPHA, seedInsightRuns } from '../helpers/insights-seed.js';
import { draft, newRun, openStore, TestClock } from '../helpers/store.js';

const WINDOW = { since: '2026-11-15T00:00:00.000Z', until: '2026-11-22T00:00:00.000Z' };
const DAYS = { span: 'day', from: '2026-11-15', to: '2026-11-22' } as const;

/** The figures of the window read from the rollups, and aggregated from runs. */
async function bothWays(
  store: Store,
  window = WINDOW,
  periods: typeof DAYS | { span: 'hour'; from: string; to: string } = DAYS,
) {
  return {
    rolled: insightsFromRows(window, [await store.insights.rolledUp(periods)]),
    scanned: insightsFromRows(window, [await store.insights.scanned(window)]),
  };
}

describe('insight rollups (SQLite)', () => {
  it('hold, per day and per hour, what the runs themselves give', async () => {
    const clock = new TestClock();
    const store = openStore({ now: clock.now });
    await seedInsightRuns(store, clock);

    const days = await bothWays(store);
    expect(days.rolled.pipelines.map((p) => p.runs)).toEqual([4, 1]);
    expect(days.rolled).toEqual(days.scanned);
    const day = { since: '2026-11-21T00:00:00.000Z', until: '2026-11-22T00:00:00.000Z' };
    const hours = await bothWays(store, day, { span: 'hour', from: '2026-11-21T00', to: '2026-11-22T00' });
    expect(hours.rolled.pipelines.map((p) => p.runs)).toEqual([2, 1]);
    expect(hours.rolled).toEqual(hours.scanned);
  });

  it('count a run not finished yet from the runs, then once from the rollups when it ends', async () => {
    const clock = new TestClock(Date.parse('2026-11-18T08:00:00.000Z'));
    const store = openStore({ now: clock.now });
    const { run } = await store.createRun(newRun({ spec: ALPHA }));
    await store.append(run.id, [{ ...draft.runStarted(run.id), ts: '2026-11-18T08:00:02.000Z' }]);
    let { rolled } = await bothWays(store);
    expect(rolled.pipelines[0]).toMatchObject({ runs: 1, completed: 0, queue_wait_ms: { p50: 2000 } });

    // The terminal event twice: the run still counts once.
    const done = { ...draft.runCompleted(run.id), ts: '2026-11-18T08:00:12.000Z' };
    await store.append(run.id, [done]);
    await store.append(run.id, [done]);
    ({ rolled } = await bothWays(store));
    expect(rolled.pipelines[0]).toMatchObject({ runs: 1, completed: 1, duration_ms: { p50: 10_000 } });
  });

  it('let go of the runs retention deletes', async () => {
    const clock = new TestClock();
    const store = openStore({ now: clock.now });
    const { r2, r3 } = await seedInsightRuns(store, clock);

    expect(await store.retention.deleteRuns([r2, r3])).toEqual([r2, r3]);
    const { rolled, scanned } = await bothWays(store);
    expect(rolled).toEqual(scanned);
    expect(rolled.pipelines[0]).toMatchObject({ runs: 2, failed: 0, top_errors: [] });
    expect(rolled.pipelines[0]?.steps.map((s) => [s.id, s.runs])).toEqual([
      ['a', 1],
      ['b', 1],
    ]);
  });

  it('are made for the runs of a store from before them when it is opened (migration 11)', async () => {
    const clock = new TestClock();
    const store = openStore({ now: clock.now });
    await seedInsightRuns(store, clock);
    const before = (await bothWays(store)).rolled;
    await store.close();

    const raw = new Database(store.location);
    raw.exec(`DELETE FROM schema_migrations WHERE version = 11;
      DROP TABLE insight_runs; DROP TABLE insight_times; DROP TABLE insight_steps; DROP TABLE insight_errors;
      DROP TABLE run_narratives;`);
    raw.close();
    const reopened = openStore({ path: store.location, now: clock.now });
    const after = await bothWays(reopened);
    expect(after.rolled).toEqual(before);
    expect(after.rolled).toEqual(after.scanned);
  });
});
