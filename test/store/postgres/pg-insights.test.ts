import { describe, expect, it } from 'vitest';
import { computeInsights, insightsFromRows } from '../../../src/service/insights/insights.js';
import { PgInsights } from '../../../src/store/postgres/pg-insights.js';
import { seedInsightRuns } from '../../helpers/insights-seed.js';
import { pgStores } from '../../helpers/pg-store.js';
import { draft, newRun, openStore, TestClock } from '../../helpers/store.js';

const openPg = pgStores();
const WINDOW = { since: '2026-11-15T00:00:00.000Z', until: '2026-11-22T00:00:00.000Z' };
// Whole days, hours at both ends, and minutes scanned from runs.
const RAGGED = { since: '2026-11-20T10:30:00.000Z', until: '2026-11-21T10:45:00.000Z' };

async function seededPg() {
  const clock = new TestClock();
  const store = openPg({ now: clock.now });
  const runs = await seedInsightRuns(store, clock);
  expect(store.insights).toBeInstanceOf(PgInsights);
  return { store, runs, insights: store.insights };
}

describe('insights on PostgreSQL', () => {
  it('gives the figures SQLite gives over the seeded runs, from rollups and from runs', async () => {
    const clock = new TestClock();
    const sqlite = openStore({ now: clock.now });
    await seedInsightRuns(sqlite, clock);
    const { insights } = await seededPg();

    for (const window of [WINDOW, RAGGED, { ...WINDOW, pipeline: 'beta' }]) {
      const expected = await computeInsights(sqlite.insights, window);
      expect(await computeInsights(insights, window)).toEqual(expected);
    }
    const alpha = (await computeInsights(insights, WINDOW)).pipelines[0];
    expect(alpha).toMatchObject({
      runs: 4,
      duration_ms: { p50: 10_000, p95: 20_000 },
      usage: { tokens_in: 300, tokens_out: 150, cost_usd: 0.03 },
      top_errors: [{ code: 'step_failed', message: 'step a failed', count: 2 }],
    });
    const scanned = insightsFromRows(WINDOW, [await insights.scanned(WINDOW)]);
    expect(
      insightsFromRows(WINDOW, [
        await insights.rolledUp({ span: 'day', from: '2026-11-15', to: '2026-11-22' }),
      ]),
    ).toEqual(scanned);
  });

  it('takes the runs retention deletes out of the rollups', async () => {
    const { store, runs, insights } = await seededPg();
    expect(await store.retention.deleteRuns([runs.r2])).toEqual([runs.r2]);
    const rolled = await computeInsights(insights, WINDOW);
    expect(rolled.pipelines[0]).toMatchObject({ runs: 3, failed: 1, usage: { cost_usd: 0.01 } });
    expect(rolled).toEqual(insightsFromRows(WINDOW, [await insights.scanned(WINDOW)]));
  });

  it('counts a run that two servers end at once once', async () => {
    const a = openPg({ path: 'race' });
    const b = openPg({ path: 'race', origin: 'other-server' });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { run } = await a.createRun(newRun());
      await a.append(run.id, [draft.runStarted(run.id)]);
      ids.push(run.id);
    }
    // The owner completes each run while another server cancels it (its owner looked dead).
    await Promise.all(
      ids.flatMap((id) => [
        a.append(id, [draft.runCompleted(id)]),
        b.append(id, [draft.runCancelled(id, 'bob')]),
      ]),
    );
    const { rows } = await a.database.query<{ runs: number }>(
      "SELECT SUM(runs) AS runs FROM insight_runs WHERE span = 'd'",
    );
    expect(Number(rows[0]!.runs)).toBe(5);
  });
});
