import { WaveError } from '../../errors.js';
import { contributions, NOT_FINISHED, POSTGRES } from '../insight-rollup-sql.js';
import type {
  InsightRows,
  InsightsPeriods,
  InsightsStore,
  InsightsWindow,
  TimeBucket,
} from '../insights-records.js';
import { type PgDb, pgStoreError, type Queryable } from './pg-db.js';

const PIPELINE = '($3::text IS NULL OR r.pipeline = $3)';
const ROLLED = 'span = $4 AND period >= $1 AND period < $2 AND ($3::text IS NULL OR pipeline = $3)';

type Part = 'runs' | 'usage' | 'runTimes' | 'stepTimes' | 'steps' | 'errors';
type Statements = Partial<Record<Part, string>>;

const WINDOW = contributions(
  POSTGRES,
  `r.created_at >= $1 AND r.created_at < $2 AND ${PIPELINE}`,
  '1',
  'days',
);
// A period compares with created_at as its prefix: '2026-11-20T05' <= '2026-11-20T05:…'.
const UNFINISHED = contributions(
  POSTGRES,
  `${NOT_FINISHED} AND r.created_at >= $1 AND r.created_at < $2 AND ${PIPELINE}`,
  '1',
  'days',
);
const ROLLUPS: Statements = {
  runs: `SELECT 'd', substr(period, 1, 10) AS day, pipeline, SUM(runs), SUM(completed), SUM(failed),
                SUM(cancelled), SUM(tokens_in), SUM(tokens_out), SUM(cost_micros)
         FROM insight_runs WHERE ${ROLLED} GROUP BY day, pipeline`,
  runTimes: `SELECT '', '', pipeline, step, metric, bucket, SUM(n), MIN(lo), MAX(hi)
             FROM insight_times WHERE ${ROLLED} GROUP BY pipeline, step, metric, bucket`,
  steps: `SELECT '', '', pipeline, step, MIN(idx), SUM(runs), SUM(failed), SUM(retries)
          FROM insight_steps WHERE ${ROLLED} GROUP BY pipeline, step`,
  errors: `SELECT '', '', pipeline, code, SUM(n), ${POSTGRES.latest('message', 'last_at')}, MAX(last_at)
           FROM insight_errors WHERE ${ROLLED} GROUP BY pipeline, code`,
};

/** Insights on PostgreSQL: the same rollups and scans as SqliteInsights, in PostgreSQL's dialect. */
export class PgInsights implements InsightsStore {
  constructor(
    private readonly db: PgDb,
    private readonly location: string,
    // Kept for the shape the sub-stores share; the window arrives resolved.
    readonly now: () => Date,
  ) {}

  async rolledUp(periods: InsightsPeriods): Promise<InsightRows> {
    const params = [periods.from, periods.to, periods.pipeline ?? null];
    const span = periods.span === 'day' ? 'd' : 'h';
    // One snapshot: a run finishing meanwhile is in the rollups or unfinished, never both.
    return this.guard(() =>
      this.db.tx(async (c) => {
        await c.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
        return concat(await rowsOf(c, ROLLUPS, [...params, span]), await rowsOf(c, UNFINISHED, params));
      }),
    );
  }

  async saveNarrative(runId: string, persona: string, narrative: string, at: string): Promise<void> {
    await this.guard(() =>
      this.db.query(
        `INSERT INTO run_narratives (run_id, persona, narrative, written_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (run_id) DO UPDATE SET persona = excluded.persona, narrative = excluded.narrative,
           written_at = excluded.written_at`,
        [runId, persona, narrative, at],
      ),
    );
  }

  async narrative(runId: string): Promise<string | null> {
    const { rows } = await this.guard(() =>
      this.db.query<{ narrative: string }>('SELECT narrative FROM run_narratives WHERE run_id = $1', [runId]),
    );
    return rows[0]?.narrative ?? null;
  }

  scanned(window: InsightsWindow): Promise<InsightRows> {
    return this.guard(() => rowsOf(this.db, WINDOW, [window.since, window.until, window.pipeline ?? null]));
  }

  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw err instanceof WaveError ? err : pgStoreError(this.location, err);
    }
  }
}

type Row = unknown[];

async function rowsOf(c: Queryable, s: Statements, params: unknown[]): Promise<InsightRows> {
  // The SELECTs leave columns unnamed: name them c0, c1, … and read them back in order.
  const all = async (sql: string | undefined, width: number): Promise<Row[]> => {
    if (!sql) return [];
    const names = Array.from({ length: width }, (_, i) => `c${i}`).join(', ');
    const { rows } = await c.query(`SELECT * FROM (${sql}) AS q(${names})`, params);
    return rows.map((row) => Object.values(row));
  };
  const num = (v: unknown) => Number(v);
  return {
    days: [...(await all(s.runs, 10)), ...(await all(s.usage, 10))].map(
      ([, day, pipeline, runs, completed, failed, cancelled, tokensIn, tokensOut, costMicros]) => ({
        day: String(day),
        pipeline: String(pipeline),
        runs: num(runs),
        completed: num(completed),
        failed: num(failed),
        cancelled: num(cancelled),
        tokensIn: num(tokensIn),
        tokensOut: num(tokensOut),
        costMicros: num(costMicros),
      }),
    ),
    times: [...(await all(s.runTimes, 9)), ...(await all(s.stepTimes, 9))].map(
      ([, , pipeline, step, metric, bucket, n, lo, hi]) => ({
        pipeline: String(pipeline),
        step: String(step),
        metric: metric as TimeBucket['metric'],
        bucket: num(bucket),
        n: num(n),
        lo: num(lo),
        hi: num(hi),
      }),
    ),
    steps: (await all(s.steps, 8)).map(([, , pipeline, step, idx, runs, failed, retries]) => ({
      pipeline: String(pipeline),
      step: String(step),
      idx: num(idx),
      runs: num(runs),
      failed: num(failed),
      retries: num(retries),
    })),
    errors: (await all(s.errors, 7)).map(([, , pipeline, code, n, message, lastAt]) => ({
      pipeline: String(pipeline),
      code: String(code),
      n: num(n),
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
