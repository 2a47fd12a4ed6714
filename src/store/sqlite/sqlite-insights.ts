import type { Statement } from 'better-sqlite3';
import { contributions, NOT_FINISHED, SQLITE } from '../insight-rollup-sql.js';
import type {
  InsightRows,
  InsightsPeriods,
  InsightsStore,
  InsightsWindow,
  TimeBucket,
} from '../insights-records.js';
import type { Db } from './open-database.js';

const PIPELINE = '(@pipeline IS NULL OR r.pipeline = @pipeline)';
const CREATED = `r.created_at >= @since AND r.created_at < @until AND ${PIPELINE}`;
const ROLLED =
  'span = @span AND period >= @from AND period < @to AND (@pipeline IS NULL OR pipeline = @pipeline)';

/** The statements of one set of rows, each returning rows in contributions()' column order. */
type RowStatements = Record<'runs' | 'runTimes' | 'steps' | 'errors', Statement> &
  Partial<Record<'usage' | 'stepTimes', Statement>>;

/**
 * Insights on SQLite: whole days or hours from the rollup tables (migration 11, kept by
 * sqlite-rollups.ts) plus their unfinished runs; the rest of a window aggregated from runs
 * through runs_created (migration 9).
 */
export class SqliteInsights implements InsightsStore {
  private readonly rollups: RowStatements;
  private readonly unfinished: RowStatements;
  private readonly window: RowStatements;
  private readonly consistent: <T>(fn: () => T) => T;
  private readonly saveNarrativeStmt: Statement;
  private readonly narrativeStmt: Statement;

  constructor(
    db: Db,
    private readonly guard: <T>(fn: () => T) => Promise<T>,
  ) {
    const prepare = (sqls: Partial<Record<keyof RowStatements, string>>) =>
      Object.fromEntries(Object.entries(sqls).map(([k, sql]) => [k, db.prepare(sql).raw()])) as RowStatements;
    this.window = prepare(contributions(SQLITE, CREATED, '1', 'days'));
    // A period compares with created_at as its prefix: '2026-11-20T05' <= '2026-11-20T05:…'.
    this.unfinished = prepare(
      contributions(
        SQLITE,
        `${NOT_FINISHED} AND r.created_at >= @from AND r.created_at < @to AND ${PIPELINE}`,
        '1',
        'days',
      ),
    );
    this.rollups = prepare({
      runs: `SELECT 'd', substr(period, 1, 10) AS day, pipeline, SUM(runs), SUM(completed), SUM(failed),
                    SUM(cancelled), SUM(tokens_in), SUM(tokens_out), SUM(cost_micros)
             FROM insight_runs WHERE ${ROLLED} GROUP BY day, pipeline`,
      runTimes: `SELECT '', '', pipeline, step, metric, bucket, SUM(n), MIN(lo), MAX(hi)
                 FROM insight_times WHERE ${ROLLED} GROUP BY pipeline, step, metric, bucket`,
      steps: `SELECT '', '', pipeline, step, MIN(idx), SUM(runs), SUM(failed), SUM(retries)
              FROM insight_steps WHERE ${ROLLED} GROUP BY pipeline, step`,
      // The bare message comes from the row holding MAX(last_at).
      errors: `SELECT '', '', pipeline, code, SUM(n), message, MAX(last_at)
               FROM insight_errors WHERE ${ROLLED} GROUP BY pipeline, code`,
    });
    this.saveNarrativeStmt = db.prepare(
      `INSERT INTO run_narratives (run_id, persona, narrative, written_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (run_id) DO UPDATE SET persona = excluded.persona, narrative = excluded.narrative,
         written_at = excluded.written_at`,
    );
    this.narrativeStmt = db.prepare('SELECT narrative FROM run_narratives WHERE run_id = ?').pluck();
    const read = db.transaction((fn: () => unknown) => fn());
    this.consistent = <T>(fn: () => T) => read.deferred(fn) as T;
  }

  rolledUp(periods: InsightsPeriods): Promise<InsightRows> {
    const p = { from: periods.from, to: periods.to, pipeline: periods.pipeline ?? null };
    const span = periods.span === 'day' ? 'd' : 'h';
    // One read transaction: a run finishing meanwhile is in the rollups or unfinished, never both.
    return this.guard(() =>
      this.consistent(() => concat(rowsOf(this.rollups, { ...p, span }), rowsOf(this.unfinished, p))),
    );
  }

  saveNarrative(runId: string, persona: string, narrative: string, at: string): Promise<void> {
    return this.guard(() => {
      this.saveNarrativeStmt.run(runId, persona, narrative, at);
    });
  }

  narrative(runId: string): Promise<string | null> {
    return this.guard(() => (this.narrativeStmt.get(runId) as string | undefined) ?? null);
  }

  scanned(window: InsightsWindow): Promise<InsightRows> {
    const p = { since: window.since, until: window.until, pipeline: window.pipeline ?? null };
    return this.guard(() => rowsOf(this.window, p));
  }
}

type Row = unknown[];

function rowsOf(s: RowStatements, params: Record<string, string | null>): InsightRows {
  const all = (stmt: Statement | undefined) => (stmt ? (stmt.all(params) as Row[]) : []);
  return {
    days: [...all(s.runs), ...all(s.usage)].map(
      ([, day, pipeline, runs, completed, failed, cancelled, tokensIn, tokensOut, costMicros]) => ({
        day: String(day),
        pipeline: String(pipeline),
        runs: Number(runs),
        completed: Number(completed),
        failed: Number(failed),
        cancelled: Number(cancelled),
        tokensIn: Number(tokensIn),
        tokensOut: Number(tokensOut),
        costMicros: Number(costMicros),
      }),
    ),
    times: [...all(s.runTimes), ...all(s.stepTimes)].map(
      ([, , pipeline, step, metric, bucket, n, lo, hi]) => ({
        pipeline: String(pipeline),
        step: String(step),
        metric: metric as TimeBucket['metric'],
        bucket: Number(bucket),
        n: Number(n),
        lo: Number(lo),
        hi: Number(hi),
      }),
    ),
    steps: all(s.steps).map(([, , pipeline, step, idx, runs, failed, retries]) => ({
      pipeline: String(pipeline),
      step: String(step),
      idx: Number(idx),
      runs: Number(runs),
      failed: Number(failed),
      retries: Number(retries),
    })),
    errors: all(s.errors).map(([, , pipeline, code, n, message, lastAt]) => ({
      pipeline: String(pipeline),
      code: String(code),
      n: Number(n),
      message: message === null ? null : String(message),
      lastAt: lastAt === null ? null : String(lastAt),
    })),
  };
}

function concat(a: InsightRows, b: InsightRows): InsightRows {
  return {
    days: [...a.days, ...b.days],
    times: [...a.times, ...b.times],
    steps: [...a.steps, ...b.steps],
    errors: [...a.errors, ...b.errors],
  };
}
