import type { Usage } from '../../src/engine/adapters/types.js';
import type { EventDraft } from '../../src/events/catalogue.js';
import type { Store } from '../../src/store/store.js';
import { draft, newRun, pipelineSpec, stepSpec, type TestClock } from './store.js';

/** `alpha`: a → b; `beta`: c. */
export const ALPHA = pipelineSpec('alpha', [stepSpec('a', 'prompt'), stepSpec('b', 'command', ['a'])]);
export const BETA = pipelineSpec('beta', [stepSpec('c')]);

const at = (iso: string, plusMs = 0) => new Date(Date.parse(iso) + plusMs).toISOString();
const started = (runId: string, pipeline: string, ts: string): EventDraft => ({
  type: 'run_started',
  run_id: runId,
  pipeline,
  resumed: false,
  ts,
});
const failed = (runId: string, step: string, ts: string): EventDraft => ({
  type: 'run_failed',
  run_id: runId,
  status: 'failed',
  duration_ms: 0,
  error: { code: 'step_failed', message: `step ${step} failed`, step },
  ts,
});
const completed = (runId: string, ts: string): EventDraft => ({ ...draft.runCompleted(runId), ts });
const usage = (step: string, u: Usage) => ({ usage: { step, usage: u } });

/**
 * Runs with known times (the clock sets each run's created_at), for figures computed by hand:
 * see the insights tests for the expected values. One run, on 2026-11-10, is outside the window
 * 2026-11-15 .. 2026-11-22 the tests use.
 */
export async function seedInsightRuns(
  store: Store,
  clock: TestClock,
): Promise<{ r1: string; r2: string; r3: string; r4: string; r5: string; old: string }> {
  const create = async (spec = ALPHA, createdAt: string) => {
    clock.ms = Date.parse(createdAt);
    return (await store.createRun(newRun({ spec }))).run.id;
  };
  // r1: alpha completed; queue 1 s, duration 10 s; a used 100/50 tokens, $0.01.
  const r1 = await create(ALPHA, '2026-11-20T10:00:00.000Z');
  let t = '2026-11-20T10:00:01.000Z';
  await store.append(r1, [started(r1, 'alpha', t), draft.stepStarted(r1, 'a', 1, t)]);
  await store.append(r1, [draft.stepCompleted(r1, 'a', 4000, 1, at(t, 4000))], usage('a', u(100, 50, 0.01)));
  await store.append(r1, [
    draft.stepStarted(r1, 'b', 1, at(t, 4000)),
    draft.stepCompleted(r1, 'b', 6000, 1, at(t, 10_000)),
    completed(r1, at(t, 10_000)),
  ]);
  // r2: alpha failed at b after a was retried once; queue 3 s, duration 20 s; b $0.02.
  const r2 = await create(ALPHA, '2026-11-20T12:00:00.000Z');
  t = '2026-11-20T12:00:03.000Z';
  await store.append(r2, [
    started(r2, 'alpha', t),
    draft.stepStarted(r2, 'a', 1, t),
    draft.stepFailed(r2, 'a', { willRetry: true, attempt: 1, ts: at(t, 1000) }),
    {
      type: 'step_retrying',
      run_id: r2,
      step: 'a',
      attempt: 2,
      delay_ms: 1000,
      reason: 'exited with code 1',
    },
    draft.stepStarted(r2, 'a', 2, at(t, 2000)),
    draft.stepCompleted(r2, 'a', 3000, 2, at(t, 5000)),
    draft.stepStarted(r2, 'b', 1, at(t, 5000)),
  ]);
  await store.append(
    r2,
    [
      {
        type: 'contract_failed',
        run_id: r2,
        step: 'b',
        contract: 'json_schema',
        errors: ['/count: must be number'],
        on_failure: 'fail',
        ts: at(t, 19_000),
      },
      draft.stepFailed(r2, 'b', { ts: at(t, 20_000) }),
      failed(r2, 'b', at(t, 20_000)),
    ],
    usage('b', u(200, 100, 0.02)),
  );
  // r3: alpha failed at a; queue 2 s, duration 4 s.
  const r3 = await create(ALPHA, '2026-11-21T09:00:00.000Z');
  t = '2026-11-21T09:00:02.000Z';
  await store.append(r3, [
    started(r3, 'alpha', t),
    draft.stepStarted(r3, 'a', 1, t),
    draft.stepFailed(r3, 'a', { ts: at(t, 4000) }),
    failed(r3, 'a', at(t, 4000)),
  ]);
  // r4: alpha cancelled while queued.
  const r4 = await create(ALPHA, '2026-11-21T10:00:00.000Z');
  await store.append(r4, [{ ...draft.runCancelled(r4, 'alice'), ts: '2026-11-21T10:00:05.000Z' }]);
  // r5: beta completed; queue 0.5 s, duration 1 s.
  const r5 = await create(BETA, '2026-11-21T11:00:00.000Z');
  t = '2026-11-21T11:00:00.500Z';
  await store.append(r5, [
    started(r5, 'beta', t),
    draft.stepStarted(r5, 'c', 1, t),
    draft.stepCompleted(r5, 'c', 1000, 1, at(t, 1000)),
    completed(r5, at(t, 1000)),
  ]);
  // Outside the window.
  const old = await create(ALPHA, '2026-11-10T10:00:00.000Z');
  await store.append(old, [
    started(old, 'alpha', '2026-11-10T10:00:01.000Z'),
    failed(old, 'a', '2026-11-10T10:00:02.000Z'),
  ]);
  return { r1, r2, r3, r4, r5, old };
}

function u(tokens_in: number, tokens_out: number, cost_usd: number): Usage {
  return { tokens_in, tokens_out, cost_usd };
}
