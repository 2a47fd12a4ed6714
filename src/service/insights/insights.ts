import type { Usage } from '../../engine/adapters/types.js';
import type { ErrorCount, InsightsStore, InsightsWindow, StepFigures } from '../../store/insights-records.js';
import { emptyUsage, entry } from './figures.js';

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

/** Figures over the runs created in the window, aggregated by the store (never sampled). */
export async function computeInsights(store: InsightsStore, window: InsightsWindow): Promise<Insights> {
  const [counts, times, steps, usages, errors] = await Promise.all([
    store.runCounts(window),
    store.runTimes(window),
    store.stepFigures(window),
    store.usageTotals(window),
    store.topErrors(window, TOP_ERRORS),
  ]);
  const byPipeline = new Map<string, PipelineInsights>();
  const days = new Map<string, { date: string; runs: number; failed: number; costMicros: number }>();
  const day = (date: string) => entry(days, date, () => ({ date, runs: 0, failed: 0, costMicros: 0 }));
  for (const c of counts) {
    const p = entry(byPipeline, c.pipeline, () => emptyPipeline(c.pipeline));
    p.runs += c.runs;
    p.completed += c.completed;
    p.failed += c.failed;
    p.cancelled += c.cancelled;
    const d = day(c.day);
    d.runs += c.runs;
    d.failed += c.failed;
  }
  for (const t of times) {
    const p = byPipeline.get(t.pipeline);
    if (!p) continue;
    p.duration_ms = t.durationMs;
    p.queue_wait_ms = t.queueWaitMs;
  }
  const costMicros = new Map<string, number>();
  for (const u of usages) {
    const p = byPipeline.get(u.pipeline);
    if (p) {
      p.usage.tokens_in += u.tokensIn;
      p.usage.tokens_out += u.tokensOut;
      costMicros.set(u.pipeline, (costMicros.get(u.pipeline) ?? 0) + u.costMicros);
    }
    day(u.day).costMicros += u.costMicros;
  }
  for (const [name, micros] of costMicros) {
    const p = byPipeline.get(name);
    if (p) p.usage.cost_usd = micros / 1e6;
  }
  const stepsOf = new Map<string, StepFigures[]>();
  for (const s of steps) entry(stepsOf, s.pipeline, () => []).push(s);
  const errorsOf = new Map<string, ErrorCount[]>();
  for (const e of errors) entry(errorsOf, e.pipeline, () => []).push(e);

  const pipelines = [...byPipeline.keys()].sort().map((name) => {
    const p = byPipeline.get(name) as PipelineInsights;
    p.success_rate = p.completed + p.failed === 0 ? null : p.completed / (p.completed + p.failed);
    p.steps = (stepsOf.get(name) ?? [])
      .sort((a, b) => a.idx - b.idx || (a.step < b.step ? -1 : a.step > b.step ? 1 : 0))
      .map((s) => ({
        id: s.step,
        runs: s.runs,
        failed: s.failed,
        retries: s.retries,
        duration_ms: s.durationMs,
      }));
    p.top_errors = (errorsOf.get(name) ?? [])
      .sort((a, b) => b.count - a.count || a.code.localeCompare(b.code))
      .slice(0, TOP_ERRORS)
      .map(({ code, message, count }) => ({ code, message, count }));
    return p;
  });
  const daily = [...days.values()]
    .sort((a, b) => a.date.localeCompare(b.date))
    .map(({ date, runs, failed, costMicros: micros }) => ({ date, runs, failed, cost_usd: micros / 1e6 }));
  return { since: window.since, until: window.until, pipelines, daily };
}

function emptyPipeline(pipeline: string): PipelineInsights {
  return {
    pipeline,
    runs: 0,
    completed: 0,
    failed: 0,
    cancelled: 0,
    success_rate: null,
    duration_ms: { p50: null, p95: null },
    queue_wait_ms: { p50: null, p95: null },
    usage: emptyUsage(),
    steps: [],
    top_errors: [],
  };
}
