import { describe, expect, it } from 'vitest';
import { computeRetrospective } from '../../../src/service/insights/retrospective.js';
import { seedInsightRuns } from '../../helpers/insights-seed.js';
import { draft, newRun, openStore, TestClock } from '../../helpers/store.js';

describe('computeRetrospective', () => {
  it('matches figures computed by hand from a failed run with a retry and a contract failure', async () => {
    const clock = new TestClock();
    const store = openStore({ now: clock.now });
    const { r1, r2 } = await seedInsightRuns(store, clock);

    expect(await computeRetrospective(store, r2)).toEqual({
      run_id: r2,
      status: 'failed',
      duration_ms: 20_000,
      queue_wait_ms: 3000,
      gate_wait_ms: 0,
      // b finished last; it waited for a.
      critical_path: ['a', 'b'],
      // a: 1 s (failed attempt) + 3 s; b: 15 s.
      slowest_steps: [
        { step: 'b', duration_ms: 15_000 },
        { step: 'a', duration_ms: 4000 },
      ],
      retries: [{ step: 'a', attempts: 2, reasons: ['exited with code 1'] }],
      contract_failures: [{ step: 'b', contract: 'json_schema', errors: ['/count: must be number'] }],
      usage: {
        total: { tokens_in: 200, tokens_out: 100, cost_usd: 0.02 },
        by_step: { b: { tokens_in: 200, tokens_out: 100, cost_usd: 0.02 } },
        by_persona: {},
      },
      narrative: null,
    });
    // a is a prompt step of the persona navigator.
    expect((await computeRetrospective(store, r1)).usage.by_persona).toEqual({
      navigator: { tokens_in: 100, tokens_out: 50, cost_usd: 0.01 },
    });
  });

  it('refuses a run that has not finished, and an unknown one', async () => {
    const store = openStore();
    const { run } = await store.createRun(newRun());
    await store.append(run.id, [draft.runStarted(run.id)]);
    await expect(computeRetrospective(store, run.id)).rejects.toMatchObject({ code: 'run_not_finished' });
    await expect(computeRetrospective(store, 'nope')).rejects.toMatchObject({ code: 'run_not_found' });
  });
});
