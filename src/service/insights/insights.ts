import type { Usage } from '../../engine/adapters/types.js';
import type {
  ErrorCounts,
  InsightRows,
  InsightsStore,
  InsightsWindow,
  StepCounts,
  TimeBucket,
} from '../../store/insights-records.js';
import { emptyUsage, entry } from './figures.js';
import { histogramPercentiles, mergeBucket } from './histogram.js';
import { windowParts } from './window-parts.js';

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

/**
 * Figures over the runs created in the window, never sampled: whole days and hours from the
 * store's rollups, the rest (under an hour at either end) aggregated from runs, with a turn of
 * the event loop before each, so that reading a big store does not hold the server.
 */
export async function computeInsights(
  store: Pick<InsightsStore, 'rolledUp' | 'scanned'>,
  window: InsightsWindow,
): Promise<Insights> {
  const parts = windowParts(window);
  const rows: InsightRows[] = [];
  for (const periods of parts.rolled) rows.push(await store.rolledUp(periods));
  for (const scan of parts.scans) {
    await turn();
    rows.push(await store.scanned(scan));
  }
  return insightsFromRows(window, rows);
}

/** The figures of rows read from the rollups and from runs, merged. */
export function insightsFromRows(window: InsightsWindow, rows: InsightRows[]): Insights {
  const byPipeline = new Map<string, PipelineInsights>();
  const days = new Map<string, { date: string; runs: number; failed: number; costMicros: number }>();
  const costMicros = new Map<string, number>();
  const times = new Map<string, TimeBucket[]>();
  const buckets = new Map<string, TimeBucket>();
  const steps = new Map<string, StepCounts>();
  const errors = new Map<string, ErrorCounts>();
  for (const r of rows) {
    for (const d of r.days) {
      const p = entry(byPipeline, d.pipeline, () => emptyPipeline(d.pipeline));
      p.runs += d.runs;
      p.completed += d.completed;
      p.failed += d.failed;
      p.cancelled += d.cancelled;
      p.usage.tokens_in += d.tokensIn;
      p.usage.tokens_out += d.tokensOut;
      costMicros.set(d.pipeline, (costMicros.get(d.pipeline) ?? 0) + d.costMicros);
      const day = entry(days, d.day, () => ({ date: d.day, runs: 0, failed: 0, costMicros: 0 }));
      day.runs += d.runs;
      day.failed += d.failed;
      day.costMicros += d.costMicros;
    }
    for (const t of r.times) {
      const key = `${t.pipeline}\0${t.step}\0${t.metric}`;
      const same = buckets.get(`${key}\0${t.bucket}`);
      if (same) mergeBucket(same, t);
      else {
        const copy = { ...t };
        buckets.set(`${key}\0${t.bucket}`, copy);
        entry(times, key, () => []).push(copy);
      }
    }
    for (const s of r.steps) {
      const same = steps.get(`${s.pipeline}\0${s.step}`);
      if (!same) steps.set(`${s.pipeline}\0${s.step}`, { ...s });
      else {
        same.idx = Math.min(same.idx, s.idx);
        same.runs += s.runs;
        same.failed += s.failed;
        same.retries += s.retries;
      }
    }
    for (const e of r.errors) {
      const same = errors.get(`${e.pipeline}\0${e.code}`);
      if (!same) errors.set(`${e.pipeline}\0${e.code}`, { ...e });
      else {
        same.n += e.n;
        if (e.lastAt !== null && (same.lastAt === null || e.lastAt > same.lastAt)) {
          same.lastAt = e.lastAt;
          same.message = e.message;
        }
      }
    }
  }
  for (const [name, micros] of costMicros) {
    const p = byPipeline.get(name);
    if (p) p.usage.cost_usd = micros / 1e6;
  }
  const timesOf = (pipeline: string, step: string, metric: TimeBucket['metric']) =>
    histogramPercentiles(times.get(`${pipeline}\0${step}\0${metric}`) ?? []);
  const stepsOf = new Map<string, StepCounts[]>();
  for (const s of steps.values()) if (s.runs > 0) entry(stepsOf, s.pipeline, () => []).push(s);
  const errorsOf = new Map<string, ErrorCounts[]>();
  for (const e of errors.values()) if (e.n > 0) entry(errorsOf, e.pipeline, () => []).push(e);

  const pipelines = [...byPipeline.keys()]
    .sort()
    .filter((name) => (byPipeline.get(name) as PipelineInsights).runs > 0)
    .map((name) => {
      const p = byPipeline.get(name) as PipelineInsights;
      p.success_rate = p.completed + p.failed === 0 ? null : p.completed / (p.completed + p.failed);
      p.duration_ms = timesOf(name, '', 'duration');
      p.queue_wait_ms = timesOf(name, '', 'queue_wait');
      p.steps = (stepsOf.get(name) ?? [])
        .sort((a, b) => a.idx - b.idx || (a.step < b.step ? -1 : a.step > b.step ? 1 : 0))
        .map((s) => ({
          id: s.step,
          runs: s.runs,
          failed: s.failed,
          retries: s.retries,
          duration_ms: timesOf(name, s.step, 'duration'),
        }));
      p.top_errors = (errorsOf.get(name) ?? [])
        .sort((a, b) => b.n - a.n || a.code.localeCompare(b.code))
        .slice(0, TOP_ERRORS)
        .map(({ code, message, n }) => ({ code, message: message ?? '', count: n }));
      return p;
    });
  const daily = [...days.values()]
    .filter((d) => d.runs > 0)
    .sort((a, b) => a.date.localeCompare(b.date))
    .map(({ date, runs, failed, costMicros: micros }) => ({ date, runs, failed, cost_usd: micros / 1e6 }));
  return { since: window.since, until: window.until, pipelines, daily };
}

/** Lets the event loop run whatever is due before the next slice. */
function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
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
