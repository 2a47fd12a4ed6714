import type { Usage } from '../../engine/adapters/types.js';
import type { InsightsStore, InsightsWindow, RunFact, StepFact } from '../../store/insights-records.js';
import { addUsage, emptyUsage, entry, parseUsage, percentiles, roundCost } from './figures.js';

type Percentiles = { p50: number | null; p95: number | null };

export interface PipelineInsights {
  pipeline: string;
  runs: number;
  completed: number;
  failed: number;
  cancelled: number;
  success_rate: number | null;
  duration_ms: Percentiles;
  queue_wait_ms: Percentiles;
  usage: Usage;
  steps: { id: string; runs: number; failed: number; retries: number; duration_ms: Percentiles }[];
  top_errors: { code: string; message: string; count: number }[];
}

/** API.md "Insights and retrospectives": GET /api/insights. */
export interface Insights {
  since: string;
  until: string;
  pipelines: PipelineInsights[];
  daily: { date: string; runs: number; failed: number; cost_usd: number }[];
}

const TOP_ERRORS = 5;

/** Figures over the runs created in the window, computed from the store (never sampled). */
export async function computeInsights(store: InsightsStore, window: InsightsWindow): Promise<Insights> {
  const [runs, steps] = await Promise.all([store.runFacts(window), store.stepFacts(window)]);
  const byPipeline = new Map<string, { runs: RunFact[]; steps: StepFact[] }>();
  const group = (name: string) => entry(byPipeline, name, () => ({ runs: [], steps: [] }));
  for (const r of runs) group(r.pipeline).runs.push(r);
  for (const s of steps) group(s.pipeline).steps.push(s);
  const pipelines = [...byPipeline.keys()].sort().map((name) => {
    const g = byPipeline.get(name) as { runs: RunFact[]; steps: StepFact[] };
    return pipelineInsights(name, g.runs, g.steps);
  });
  return { since: window.since, until: window.until, pipelines, daily: dailySeries(runs, steps) };
}

function pipelineInsights(pipeline: string, runs: RunFact[], steps: StepFact[]): PipelineInsights {
  let completed = 0;
  let failed = 0;
  let cancelled = 0;
  const durations: number[] = [];
  const queueWaits: number[] = [];
  const errors = new Map<string, { code: string; message: string; count: number }>();
  for (const r of runs) {
    if (r.status === 'completed') completed++;
    else if (r.status === 'failed') failed++;
    else if (r.status === 'cancelled') cancelled++;
    if (r.startedMs !== null) {
      queueWaits.push(r.startedMs - r.createdMs);
      if (r.finishedMs !== null) durations.push(r.finishedMs - r.startedMs);
    }
    if (r.status === 'failed' && r.errorCode) {
      const e = errors.get(r.errorCode) ?? { code: r.errorCode, message: '', count: 0 };
      e.count++;
      // Runs come oldest first: the message shown is the latest one of the code.
      e.message = r.errorMessage ?? e.message;
      errors.set(r.errorCode, e);
    }
  }
  const usage = emptyUsage();
  const byStep = new Map<
    string,
    { idx: number; runs: number; failed: number; retries: number; durations: number[] }
  >();
  for (const s of steps) {
    const u = parseUsage(s.usage);
    if (u) addUsage(usage, u);
    if (s.attempts === 0) continue; // never started: not a run of this step
    const st = entry(byStep, s.step, () => ({ idx: s.idx, runs: 0, failed: 0, retries: 0, durations: [] }));
    st.runs++;
    if (s.status === 'failed') st.failed++;
    st.retries += s.attempts - 1;
    if (s.durationMs !== null) st.durations.push(s.durationMs);
  }
  return {
    pipeline,
    runs: runs.length,
    completed,
    failed,
    cancelled,
    success_rate: completed + failed === 0 ? null : completed / (completed + failed),
    duration_ms: percentiles(durations),
    queue_wait_ms: percentiles(queueWaits),
    usage,
    steps: [...byStep]
      .sort((a, b) => a[1].idx - b[1].idx)
      .map(([id, st]) => ({
        id,
        runs: st.runs,
        failed: st.failed,
        retries: st.retries,
        duration_ms: percentiles(st.durations),
      })),
    top_errors: [...errors.values()]
      .sort((a, b) => b.count - a.count || a.code.localeCompare(b.code))
      .slice(0, TOP_ERRORS),
  };
}

function dailySeries(runs: RunFact[], steps: StepFact[]): Insights['daily'] {
  const days = new Map<string, { date: string; runs: number; failed: number; cost_usd: number }>();
  const day = (date: string) => entry(days, date, () => ({ date, runs: 0, failed: 0, cost_usd: 0 }));
  for (const r of runs) {
    const d = day(new Date(r.createdMs).toISOString().slice(0, 10));
    d.runs++;
    if (r.status === 'failed') d.failed++;
  }
  for (const s of steps) {
    const u = parseUsage(s.usage);
    if (u) day(s.day).cost_usd = roundCost(day(s.day).cost_usd + u.cost_usd);
  }
  return [...days.values()].sort((a, b) => a.date.localeCompare(b.date));
}
