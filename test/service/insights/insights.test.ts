import { describe, expect, it } from 'vitest';
import { computeInsights } from '../../../src/service/insights/insights.js';
import { resolveWindow } from '../../../src/service/insights/insights-window.js';
import { seedInsightRuns } from '../../helpers/insights-seed.js';
import { openStore, TestClock } from '../../helpers/store.js';

const WINDOW = { since: '2026-11-15T00:00:00.000Z', until: '2026-11-22T00:00:00.000Z' };

describe('computeInsights', () => {
  it('matches figures computed by hand over seeded runs', async () => {
    const clock = new TestClock();
    const store = openStore({ now: clock.now });
    await seedInsightRuns(store, clock);

    const insights = await computeInsights(store.insights, WINDOW);

    expect(insights.since).toBe(WINDOW.since);
    expect(insights.pipelines.map((p) => p.pipeline)).toEqual(['alpha', 'beta']);
    const [alpha, beta] = insights.pipelines;
    // r1 completed, r2 and r3 failed, r4 cancelled; the run of 2026-11-10 is outside the window.
    expect(alpha).toEqual({
      pipeline: 'alpha',
      runs: 4,
      completed: 1,
      failed: 2,
      cancelled: 1,
      success_rate: 1 / 3,
      // durations 10 s, 20 s, 4 s; nearest rank: p50 = 2nd of 3, p95 = 3rd.
      duration_ms: { p50: 10_000, p95: 20_000 },
      // queue waits 1 s, 3 s, 2 s (the cancelled r4 never started).
      queue_wait_ms: { p50: 2000, p95: 3000 },
      usage: { tokens_in: 300, tokens_out: 150, cost_usd: 0.03 },
      steps: [
        // a: 4 s (r1), 3 s (r2's second attempt), 4 s (r3 failed); r2 retried it once.
        { id: 'a', runs: 3, failed: 1, retries: 1, duration_ms: { p50: 4000, p95: 4000 } },
        // b: 6 s (r1), 15 s (r2 failed).
        { id: 'b', runs: 2, failed: 1, retries: 0, duration_ms: { p50: 6000, p95: 15_000 } },
      ],
      top_errors: [{ code: 'step_failed', message: 'step a failed', count: 2 }],
    });
    expect(beta).toMatchObject({
      runs: 1,
      completed: 1,
      success_rate: 1,
      duration_ms: { p50: 1000, p95: 1000 },
      queue_wait_ms: { p50: 500, p95: 500 },
      top_errors: [],
    });
    expect(insights.daily).toEqual([
      { date: '2026-11-20', runs: 2, failed: 1, cost_usd: 0.03 },
      { date: '2026-11-21', runs: 3, failed: 1, cost_usd: 0 },
    ]);
  });

  it('keeps one pipeline, and gives null figures when nothing ran', async () => {
    const clock = new TestClock();
    const store = openStore({ now: clock.now });
    await seedInsightRuns(store, clock);

    const only = await computeInsights(store.insights, { ...WINDOW, pipeline: 'beta' });
    expect(only.pipelines.map((p) => p.pipeline)).toEqual(['beta']);
    expect(only.daily).toEqual([{ date: '2026-11-21', runs: 1, failed: 0, cost_usd: 0 }]);

    const cancelledOnly = await computeInsights(store.insights, {
      since: '2026-11-21T10:00:00.000Z',
      until: '2026-11-21T10:30:00.000Z',
    });
    expect(cancelledOnly.pipelines[0]).toMatchObject({
      runs: 1,
      cancelled: 1,
      success_rate: null,
      duration_ms: { p50: null, p95: null },
      steps: [],
    });
    const empty = await computeInsights(store.insights, {
      since: WINDOW.until,
      until: '2026-11-23T00:00:00.000Z',
    });
    expect(empty).toMatchObject({ pipelines: [], daily: [] });
  });
});

describe('resolveWindow', () => {
  const now = Date.parse('2026-11-30T12:00:00.000Z');

  it('defaults to the last 30 days and takes durations back from now or ISO times', () => {
    expect(resolveWindow({}, now)).toEqual({
      since: '2026-10-31T12:00:00.000Z',
      until: '2026-11-30T12:00:00.000Z',
    });
    expect(resolveWindow({ since: '7d', until: '12h' }, now)).toEqual({
      since: '2026-11-23T12:00:00.000Z',
      until: '2026-11-30T00:00:00.000Z',
    });
    expect(resolveWindow({ since: '2026-11-01' }, now).since).toBe('2026-11-01T00:00:00.000Z');
  });

  it('refuses what is neither, and a since after until', () => {
    expect(() => resolveWindow({ since: 'last week' }, now)).toThrow(
      expect.objectContaining({ code: 'invalid_request' }),
    );
    expect(() => resolveWindow({ since: '1d', until: '2d' }, now)).toThrow(/after/);
  });
});
