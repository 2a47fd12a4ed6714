/**
 * The rollups of insights in SQLite's dialect: what a set of runs (chosen by a WHERE clause over
 * `runs r`) adds to each rollup table, per UTC day (span 'd', period `YYYY-MM-DD`) and per UTC
 * hour (span 'h', period `YYYY-MM-DDTHH`). The same SELECTs fill the rollups (backfill in
 * migration 11, a run's terminal event, retention taking runs out with sign -1) and aggregate
 * the runs of the parts of a window too short for them, so the two can never count differently.
 */

const TERMINAL = `('completed', 'failed', 'cancelled')`;
export const FINISHED = `r.status IN ${TERMINAL}`;
/** Spelled as a list so that SQLite finds them through runs_status. */
export const NOT_FINISHED = `r.status IN ('queued', 'running', 'waiting')`;

/** Which spans a statement writes or reads: both for the rollups, days for a scan. */
export type Spans = 'both' | 'days';
const SPANS = {
  both: `(SELECT 'd' AS span, 10 AS len UNION ALL SELECT 'h', 13)`,
  days: `(SELECT 'd' AS span, 10 AS len)`,
};
const PERIOD = 'substr(r.created_at, 1, p.len)';

/** Whole milliseconds from ISO time `a` to ISO time `b`. */
const msBetween = (a: string, b: string) =>
  `CAST(round((julianday(${b}) - julianday(${a})) * 86400000) AS INTEGER)`;

/**
 * The histogram bucket of a time in ms: itself below 128 ms, then 64 buckets per doubling (each
 * about 1.1 % wide). service/insights/histogram.ts holds the inverse.
 */
const bucket = (v: string) =>
  `CASE WHEN ${v} < 128 THEN ${v} ELSE 128 + CAST(floor(ln(${v} / 128.0) / ln(2) * 64) AS INTEGER) END`;

const ERROR_CODE = `json_extract(r.error, '$.code')`;
const ERROR_MESSAGE = `json_extract(r.error, '$.message')`;

/**
 * One SELECT per rollup table, its columns in the table's order (span, period, pipeline, ...);
 * `sign` multiplies the counts.
 */
export function contributions(where: string, sign: string, spans: Spans) {
  const runs = `runs r JOIN ${SPANS[spans]} p`;
  const withSteps = `runs r JOIN steps s ON s.run_id = r.id JOIN ${SPANS[spans]} p`;
  const times = (step: string, metric: string, v: string, from: string, cond: string) =>
    `SELECT span, period, pipeline, ${step === '' ? "''" : 'sid'} AS step, '${metric}' AS metric,
            ${bucket('v')} AS bucket, ${sign} * COUNT(*), MIN(v), MAX(v)
     FROM (SELECT p.span AS span, ${PERIOD} AS period, r.pipeline AS pipeline,
                  ${step === '' ? '' : 's.id AS sid,'} ${v} AS v
           FROM ${from} WHERE ${where} AND ${cond})
     GROUP BY span, period, pipeline, ${step === '' ? '' : 'sid,'} bucket`;
  return {
    runs: `SELECT p.span, ${PERIOD}, r.pipeline, ${sign} * COUNT(*), ${sign} * SUM(r.status = 'completed'),
                  ${sign} * SUM(r.status = 'failed'), ${sign} * SUM(r.status = 'cancelled'), 0, 0, 0
           FROM ${runs} WHERE ${where} GROUP BY 1, 2, 3`,
    usage: `SELECT p.span, ${PERIOD}, r.pipeline, 0, 0, 0, 0,
                   ${sign} * SUM(IFNULL(json_extract(s.usage, '$.tokens_in'), 0)),
                   ${sign} * SUM(IFNULL(json_extract(s.usage, '$.tokens_out'), 0)),
                   ${sign} * SUM(CAST(round(IFNULL(json_extract(s.usage, '$.cost_usd'), 0) * 1000000) AS INTEGER))
            FROM ${withSteps} WHERE ${where} AND s.usage IS NOT NULL GROUP BY 1, 2, 3`,
    runTimes: `${times(
      '',
      'duration',
      msBetween('r.started_at', 'r.finished_at'),
      runs,
      'r.started_at IS NOT NULL AND r.finished_at IS NOT NULL',
    )} UNION ALL ${times('', 'queue_wait', msBetween('r.created_at', 'r.started_at'), runs, 'r.started_at IS NOT NULL')}`,
    stepTimes: times(
      's',
      'duration',
      's.duration_ms',
      withSteps,
      's.attempts > 0 AND s.duration_ms IS NOT NULL',
    ),
    steps: `SELECT p.span, ${PERIOD}, r.pipeline, s.id, MIN(s.idx), ${sign} * COUNT(*),
                   ${sign} * SUM(s.status = 'failed'), ${sign} * SUM(s.attempts - 1)
            FROM ${withSteps} WHERE ${where} AND s.attempts > 0 GROUP BY 1, 2, 3, 4`,
    // The bare message column comes from the row holding MAX(last_at): the latest message. The
    // unary + keeps SQLite on the window's index rather than every failed run's (runs_status).
    errors: `SELECT p.span, ${PERIOD}, r.pipeline, ${ERROR_CODE}, ${sign} * COUNT(*), ${ERROR_MESSAGE},
                    MAX(CASE WHEN ${ERROR_MESSAGE} IS NOT NULL THEN r.created_at END)
             FROM ${runs}
             WHERE ${where} AND +r.status = 'failed' AND ${ERROR_CODE} IS NOT NULL AND ${ERROR_CODE} <> ''
             GROUP BY 1, 2, 3, 4`,
  };
}

/** Statements adding (sign 1) or taking out (sign -1) the runs `where` chooses to the rollups. */
export function rollupWrites(where: string, sign: string): string[] {
  const c = contributions(where, sign, 'both');
  const runs = (select: string) =>
    `INSERT INTO insight_runs (span, period, pipeline, runs, completed, failed, cancelled, tokens_in, tokens_out, cost_micros)
     ${select}
     ON CONFLICT (span, period, pipeline) DO UPDATE SET runs = runs + excluded.runs,
       completed = completed + excluded.completed, failed = failed + excluded.failed,
       cancelled = cancelled + excluded.cancelled, tokens_in = tokens_in + excluded.tokens_in,
       tokens_out = tokens_out + excluded.tokens_out, cost_micros = cost_micros + excluded.cost_micros`;
  // lo/hi only widen: a value taken out was inside them, so they still bound the bucket.
  const times = (select: string) =>
    `INSERT INTO insight_times (span, period, pipeline, step, metric, bucket, n, lo, hi)
     SELECT * FROM (${select}) WHERE true
     ON CONFLICT (span, period, pipeline, step, metric, bucket) DO UPDATE SET n = n + excluded.n,
       lo = MIN(lo, excluded.lo), hi = MAX(hi, excluded.hi)`;
  return [
    runs(c.runs),
    runs(c.usage),
    times(c.runTimes),
    times(c.stepTimes),
    `INSERT INTO insight_steps (span, period, pipeline, step, idx, runs, failed, retries)
     ${c.steps}
     ON CONFLICT (span, period, pipeline, step) DO UPDATE SET idx = MIN(idx, excluded.idx),
       runs = runs + excluded.runs, failed = failed + excluded.failed, retries = retries + excluded.retries`,
    `INSERT INTO insight_errors (span, period, pipeline, code, n, message, last_at)
     ${c.errors}
     ON CONFLICT (span, period, pipeline, code) DO UPDATE SET n = n + excluded.n,
       message = CASE WHEN excluded.last_at > IFNULL(last_at, '') THEN excluded.message ELSE message END,
       last_at = CASE WHEN excluded.last_at > IFNULL(last_at, '') THEN excluded.last_at ELSE last_at END`,
  ];
}

/**
 * Rows counted down to nothing go, so that a bucket's lo/hi start afresh; only the periods of
 * the runs `where` chooses are looked at.
 */
export function rollupEmptiesRemoved(where: string): string[] {
  const periods = `(SELECT p.span, ${PERIOD} FROM runs r JOIN ${SPANS.both} p WHERE ${where})`;
  return [
    'insight_runs WHERE runs',
    'insight_times WHERE n',
    'insight_steps WHERE runs',
    'insight_errors WHERE n',
  ].map((t) => `DELETE FROM ${t} <= 0 AND (span, period) IN ${periods}`);
}
