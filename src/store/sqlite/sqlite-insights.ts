import type {
  ErrorCount,
  InsightsStore,
  InsightsWindow,
  PercentilePair,
  RunCounts,
  RunTimes,
  StepFigures,
  UsageTotals,
} from '../insights-records.js';
import type { Db } from './open-database.js';

const PIPELINE = '(@pipeline IS NULL OR r.pipeline = @pipeline)';
const WINDOW = `r.created_at >= @since AND r.created_at < @until AND ${PIPELINE}`;
const DAY = 'substr(r.created_at, 1, 10)';

/** Whole milliseconds from ISO time `a` to ISO time `b`. */
const msBetween = (a: string, b: string) =>
  `CAST(round((julianday(${b}) - julianday(${a})) * 86400000) AS INTEGER)`;

/** Insights on SQLite: the window is found through runs_created (migration 9); figures are SQL aggregates. */
export class SqliteInsights implements InsightsStore {
  private readonly s;

  constructor(
    db: Db,
    private readonly guard: <T>(fn: () => T) => Promise<T>,
  ) {
    this.s = {
      runCounts: db
        .prepare(
          `SELECT r.pipeline, ${DAY}, COUNT(*), SUM(r.status = 'completed'), SUM(r.status = 'failed'),
                  SUM(r.status = 'cancelled')
           FROM runs r WHERE ${WINDOW} GROUP BY r.pipeline, ${DAY}`,
        )
        .raw(),
      queueWaits: db
        .prepare(
          `SELECT r.pipeline, ${msBetween('r.created_at', 'r.started_at')} AS v, COUNT(*)
           FROM runs r WHERE ${WINDOW} AND r.started_at IS NOT NULL
           GROUP BY r.pipeline, v ORDER BY r.pipeline, v`,
        )
        .raw(),
      durations: db
        .prepare(
          `SELECT r.pipeline, ${msBetween('r.started_at', 'r.finished_at')} AS v, COUNT(*)
           FROM runs r WHERE ${WINDOW} AND r.started_at IS NOT NULL AND r.finished_at IS NOT NULL
           GROUP BY r.pipeline, v ORDER BY r.pipeline, v`,
        )
        .raw(),
      steps: db
        .prepare(
          `SELECT r.pipeline, s.id, s.duration_ms AS v, MIN(s.idx), COUNT(*), SUM(s.status = 'failed'),
                  SUM(s.attempts - 1)
           FROM runs r JOIN steps s ON s.run_id = r.id WHERE ${WINDOW} AND s.attempts > 0
           GROUP BY r.pipeline, s.id, v ORDER BY r.pipeline, s.id, v`,
        )
        .raw(),
      usageTotals: db
        .prepare(
          `SELECT r.pipeline, ${DAY},
                  SUM(IFNULL(json_extract(s.usage, '$.tokens_in'), 0)),
                  SUM(IFNULL(json_extract(s.usage, '$.tokens_out'), 0)),
                  SUM(CAST(round(IFNULL(json_extract(s.usage, '$.cost_usd'), 0) * 1000000) AS INTEGER))
           FROM runs r JOIN steps s ON s.run_id = r.id
           WHERE ${WINDOW} AND s.usage IS NOT NULL GROUP BY r.pipeline, ${DAY}`,
        )
        .raw(),
      topErrors: db
        .prepare(
          `WITH f AS (
             SELECT r.pipeline, json_extract(r.error, '$.code') AS code,
                    json_extract(r.error, '$.message') AS message, r.created_at
             FROM runs r WHERE ${WINDOW} AND r.status = 'failed'
           ), c AS (
             SELECT pipeline, code, COUNT(*) AS n,
                    RANK() OVER (PARTITION BY pipeline ORDER BY COUNT(*) DESC) AS rk
             FROM f WHERE code IS NOT NULL AND code <> '' GROUP BY pipeline, code
           ), l AS (
             SELECT pipeline, code, message, MAX(created_at)
             FROM f WHERE code IS NOT NULL AND code <> '' AND message IS NOT NULL GROUP BY pipeline, code
           )
           SELECT c.pipeline, c.code, IFNULL(l.message, ''), c.n
           FROM c LEFT JOIN l ON l.pipeline = c.pipeline AND l.code = c.code
           WHERE c.rk <= @limit`,
        )
        .raw(),
    };
  }

  runCounts(window: InsightsWindow): Promise<RunCounts[]> {
    return this.guard(() =>
      (this.s.runCounts.all(params(window)) as [string, string, number, number, number, number][]).map(
        ([pipeline, day, runs, completed, failed, cancelled]) => ({
          pipeline,
          day,
          runs,
          completed,
          failed,
          cancelled,
        }),
      ),
    );
  }

  runTimes(window: InsightsWindow): Promise<RunTimes[]> {
    return this.guard(() => {
      const p = params(window);
      const durations = fromHistogram(this.s.durations.all(p) as Histogram);
      const waits = fromHistogram(this.s.queueWaits.all(p) as Histogram);
      return [...waits].map(([pipeline, queueWaitMs]) => ({
        pipeline,
        durationMs: durations.get(pipeline) ?? NONE,
        queueWaitMs,
      }));
    });
  }

  stepFigures(window: InsightsWindow): Promise<StepFigures[]> {
    return this.guard(() => {
      // One row per (pipeline, step, duration), sorted: counts summed here, percentiles from
      // the rows with a duration.
      const rows = this.s.steps.all(params(window)) as [
        string,
        string,
        number | null,
        number,
        number,
        number,
        number,
      ][];
      const out: StepFigures[] = [];
      const histogram: Histogram = [];
      let current: StepFigures | undefined;
      for (const [pipeline, step, v, idx, runs, failed, retries] of rows) {
        if (!current || current.pipeline !== pipeline || current.step !== step) {
          current = { pipeline, step, idx, runs: 0, failed: 0, retries: 0, durationMs: NONE };
          out.push(current);
        }
        current.idx = Math.min(current.idx, idx);
        current.runs += runs;
        current.failed += failed;
        current.retries += retries;
        if (v !== null) histogram.push([`${pipeline}\0${step}`, v, runs]);
      }
      const durations = fromHistogram(histogram);
      for (const f of out) f.durationMs = durations.get(`${f.pipeline}\0${f.step}`) ?? NONE;
      return out;
    });
  }

  usageTotals(window: InsightsWindow): Promise<UsageTotals[]> {
    return this.guard(() =>
      (this.s.usageTotals.all(params(window)) as [string, string, number, number, number][]).map(
        ([pipeline, day, tokensIn, tokensOut, costMicros]) => ({
          pipeline,
          day,
          tokensIn,
          tokensOut,
          costMicros,
        }),
      ),
    );
  }

  topErrors(window: InsightsWindow, limit: number): Promise<ErrorCount[]> {
    return this.guard(() =>
      (this.s.topErrors.all({ ...params(window), limit }) as [string, string, string, number][]).map(
        ([pipeline, code, message, count]) => ({
          pipeline,
          code: String(code),
          message: String(message),
          count,
        }),
      ),
    );
  }
}

const NONE: PercentilePair = { p50: null, p95: null };

/** Rows (group, value, count), sorted by group then value. */
type Histogram = [string, number, number][];

/** Nearest-rank p50 and p95 of each group of a sorted histogram (rank max(1, ceil(p·n))). */
function fromHistogram(rows: Histogram): Map<string, PercentilePair> {
  const out = new Map<string, PercentilePair>();
  let i = 0;
  while (i < rows.length) {
    const group = (rows[i] as Histogram[number])[0];
    let j = i;
    let n = 0;
    while (j < rows.length && (rows[j] as Histogram[number])[0] === group)
      n += (rows[j++] as Histogram[number])[2];
    const at = (p: number) => {
      const rank = Math.max(1, Math.ceil(p * n));
      let seen = 0;
      for (let k = i; k < j; k++) {
        const [, v, c] = rows[k] as Histogram[number];
        seen += c;
        if (seen >= rank) return v;
      }
      return null;
    };
    out.set(group, { p50: at(0.5), p95: at(0.95) });
    i = j;
  }
  return out;
}

function params(window: InsightsWindow) {
  return { since: window.since, until: window.until, pipeline: window.pipeline ?? null };
}
