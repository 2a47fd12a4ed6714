/**
 * The rollups of insights, written once for both stores with the few spellings that differ
 * passed in (a Dialect): what a set of runs (chosen by a WHERE clause over `runs r`) adds to each
 * rollup table, per UTC day (span 'd', period `YYYY-MM-DD`) and per UTC hour (span 'h', period
 * `YYYY-MM-DDTHH`). The same SELECTs fill the rollups (backfill in the migration, a run's
 * terminal event, retention taking runs out with sign -1) and aggregate the runs of the parts of
 * a window too short for them, so the two can never count differently.
 */

export interface Dialect {
  /** Whole milliseconds from ISO text `a` to ISO text `b`. */
  msBetween(a: string, b: string): string;
  /** A JSON text column's field as text. */
  jsonText(column: string, field: string): string;
  /** A JSON text column's numeric field, 0 when absent. */
  jsonNumber(column: string, field: string): string;
  /** 1 when `cond` holds, else 0. */
  oneIf(cond: string): string;
  /** `value` of the row with the greatest non-null `at` (null if none), as an aggregate. */
  latest(value: string, at: string): string;
  /** Least / greatest of two values (scalar). */
  least: string;
  greatest: string;
  /** `r.status = 'failed'` spelled so that the planner stays on the window's index. */
  failed: string;
}

export const SQLITE: Dialect = {
  msBetween: (a, b) => `CAST(round((julianday(${b}) - julianday(${a})) * 86400000) AS INTEGER)`,
  jsonText: (c, f) => `json_extract(${c}, '$.${f}')`,
  jsonNumber: (c, f) => `IFNULL(json_extract(${c}, '$.${f}'), 0)`,
  oneIf: (cond) => `(${cond})`,
  // A bare column beside MAX() comes from the row holding the maximum.
  latest: (value) => value,
  least: 'MIN',
  greatest: 'MAX',
  // The unary + keeps SQLite off runs_status (every failed run) for this term.
  failed: `+r.status = 'failed'`,
};

export const POSTGRES: Dialect = {
  msBetween: (a, b) => `round(extract(epoch from (${b}::timestamptz - ${a}::timestamptz)) * 1000)::bigint`,
  jsonText: (c, f) => `(${c}::jsonb ->> '${f}')`,
  jsonNumber: (c, f) => `COALESCE((${c}::jsonb ->> '${f}')::numeric, 0)`,
  oneIf: (cond) => `(CASE WHEN ${cond} THEN 1 ELSE 0 END)`,
  latest: (value, at) => `(array_agg(${value} ORDER BY ${at} DESC) FILTER (WHERE ${at} IS NOT NULL))[1]`,
  least: 'LEAST',
  greatest: 'GREATEST',
  failed: `r.status = 'failed'`,
};

const TERMINAL = `('completed', 'failed', 'cancelled')`;
export const FINISHED = `r.status IN ${TERMINAL}`;
/** Spelled as a list so that the planner finds them through runs_status. */
export const NOT_FINISHED = `r.status IN ('queued', 'running', 'waiting')`;

/** Which spans a statement writes or reads: both for the rollups, days for a scan. */
export type Spans = 'both' | 'days';
const SPANS = {
  both: `(SELECT 'd' AS span, 10 AS len UNION ALL SELECT 'h', 13)`,
  days: `(SELECT 'd' AS span, 10 AS len)`,
};
const PERIOD = 'substr(r.created_at, 1, p.len)';

/**
 * The histogram bucket of a time in ms: itself below 128 ms, then 64 buckets per doubling (each
 * about 1.1 % wide). service/insights/histogram.ts holds the inverse.
 */
const bucket = (v: string) =>
  `CASE WHEN ${v} < 128 THEN ${v} ELSE 128 + CAST(floor(ln(${v} / 128.0) / ln(2.0) * 64) AS INTEGER) END`;

/**
 * One SELECT per rollup table, its columns in the table's order (span, period, pipeline, ...);
 * `sign` multiplies the counts.
 */
export function contributions(d: Dialect, where: string, sign: string, spans: Spans) {
  const runs = `runs r CROSS JOIN ${SPANS[spans]} p`;
  const withSteps = `runs r JOIN steps s ON s.run_id = r.id CROSS JOIN ${SPANS[spans]} p`;
  const code = d.jsonText('r.error', 'code');
  const message = d.jsonText('r.error', 'message');
  const messageAt = `CASE WHEN ${message} IS NOT NULL THEN r.created_at END`;
  const times = (ofStep: boolean, metric: string, v: string, from: string, cond: string) =>
    `SELECT span, period, pipeline, ${ofStep ? 'sid' : "''"} AS step, '${metric}' AS metric,
            ${bucket('v')} AS bucket, ${sign} * COUNT(*), MIN(v), MAX(v)
     FROM (SELECT p.span AS span, ${PERIOD} AS period, r.pipeline AS pipeline,
                  ${ofStep ? 's.id AS sid,' : ''} ${v} AS v
           FROM ${from} WHERE ${where} AND ${cond}) AS x
     GROUP BY span, period, pipeline, ${ofStep ? 'sid,' : ''} bucket`;
  return {
    runs: `SELECT p.span, ${PERIOD}, r.pipeline, ${sign} * COUNT(*),
                  ${sign} * SUM(${d.oneIf("r.status = 'completed'")}), ${sign} * SUM(${d.oneIf("r.status = 'failed'")}),
                  ${sign} * SUM(${d.oneIf("r.status = 'cancelled'")}), 0, 0, 0
           FROM ${runs} WHERE ${where} GROUP BY 1, 2, 3`,
    usage: `SELECT p.span, ${PERIOD}, r.pipeline, 0, 0, 0, 0,
                   ${sign} * SUM(${d.jsonNumber('s.usage', 'tokens_in')}),
                   ${sign} * SUM(${d.jsonNumber('s.usage', 'tokens_out')}),
                   ${sign} * SUM(CAST(round(${d.jsonNumber('s.usage', 'cost_usd')} * 1000000) AS BIGINT))
            FROM ${withSteps} WHERE ${where} AND s.usage IS NOT NULL GROUP BY 1, 2, 3`,
    runTimes: `${times(
      false,
      'duration',
      d.msBetween('r.started_at', 'r.finished_at'),
      runs,
      'r.started_at IS NOT NULL AND r.finished_at IS NOT NULL',
    )} UNION ALL ${times(false, 'queue_wait', d.msBetween('r.created_at', 'r.started_at'), runs, 'r.started_at IS NOT NULL')}`,
    stepTimes: times(
      true,
      'duration',
      's.duration_ms',
      withSteps,
      's.attempts > 0 AND s.duration_ms IS NOT NULL',
    ),
    steps: `SELECT p.span, ${PERIOD}, r.pipeline, s.id, MIN(s.idx), ${sign} * COUNT(*),
                   ${sign} * SUM(${d.oneIf("s.status = 'failed'")}), ${sign} * SUM(s.attempts - 1)
            FROM ${withSteps} WHERE ${where} AND s.attempts > 0 GROUP BY 1, 2, 3, 4`,
    errors: `SELECT p.span, ${PERIOD}, r.pipeline, ${code}, ${sign} * COUNT(*),
                    ${d.latest(message, messageAt)}, MAX(${messageAt})
             FROM ${runs}
             WHERE ${where} AND ${d.failed} AND ${code} IS NOT NULL AND ${code} <> ''
             GROUP BY 1, 2, 3, 4`,
  };
}

/** Statements adding (sign 1) or taking out (sign -1) the runs `where` chooses to the rollups. */
export function rollupWrites(d: Dialect, where: string, sign: string): string[] {
  const c = contributions(d, where, sign, 'both');
  const add = (table: string, columns: string[]) =>
    columns.map((col) => `${col} = ${table}.${col} + excluded.${col}`).join(', ');
  const runs = (select: string) =>
    `INSERT INTO insight_runs (span, period, pipeline, runs, completed, failed, cancelled, tokens_in, tokens_out, cost_micros)
     ${select}
     ON CONFLICT (span, period, pipeline) DO UPDATE SET ${add('insight_runs', [
       'runs',
       'completed',
       'failed',
       'cancelled',
       'tokens_in',
       'tokens_out',
       'cost_micros',
     ])}`;
  // lo/hi only widen: a value taken out was inside them, so they still bound the bucket.
  const times = (select: string) =>
    `INSERT INTO insight_times (span, period, pipeline, step, metric, bucket, n, lo, hi)
     SELECT * FROM (${select}) AS t WHERE true
     ON CONFLICT (span, period, pipeline, step, metric, bucket) DO UPDATE SET ${add('insight_times', ['n'])},
       lo = ${d.least}(insight_times.lo, excluded.lo), hi = ${d.greatest}(insight_times.hi, excluded.hi)`;
  const newer = `excluded.last_at > COALESCE(insight_errors.last_at, '')`;
  return [
    runs(c.runs),
    runs(c.usage),
    times(c.runTimes),
    times(c.stepTimes),
    `INSERT INTO insight_steps (span, period, pipeline, step, idx, runs, failed, retries)
     ${c.steps}
     ON CONFLICT (span, period, pipeline, step) DO UPDATE SET idx = ${d.least}(insight_steps.idx, excluded.idx),
       ${add('insight_steps', ['runs', 'failed', 'retries'])}`,
    `INSERT INTO insight_errors (span, period, pipeline, code, n, message, last_at)
     ${c.errors}
     ON CONFLICT (span, period, pipeline, code) DO UPDATE SET ${add('insight_errors', ['n'])},
       message = CASE WHEN ${newer} THEN excluded.message ELSE insight_errors.message END,
       last_at = CASE WHEN ${newer} THEN excluded.last_at ELSE insight_errors.last_at END`,
  ];
}

/**
 * Rows counted down to nothing go, so that a bucket's lo/hi start afresh; only the periods of
 * the runs `where` chooses are looked at.
 */
export function rollupEmptiesRemoved(where: string): string[] {
  const periods = `(SELECT p.span, ${PERIOD} FROM runs r CROSS JOIN ${SPANS.both} p WHERE ${where})`;
  return [
    'insight_runs WHERE runs',
    'insight_times WHERE n',
    'insight_steps WHERE runs',
    'insight_errors WHERE n',
  ].map((t) => `DELETE FROM ${t} <= 0 AND (span, period) IN ${periods}`);
}
