import type { WaveEvent } from '../../events/catalogue.js';
import { projectEvent, type StateChange } from '../projection.js';
import { type Queryable, writeLater } from './pg-db.js';

const SQL = {
  stepStartedAt: 'SELECT started_at FROM steps WHERE run_id = $1 AND id = $2',
  runStarted: `UPDATE runs SET status = 'running', started_at = COALESCE(started_at, $1) WHERE id = $2`,
  runWaiting: `UPDATE runs SET status = 'waiting', wants_slot = 0 WHERE id = $1`,
  runFinished:
    'UPDATE runs SET status = $1, finished_at = $2, error = $3, cancel_by = COALESCE($4, cancel_by), wants_slot = 0, owner = NULL, lease_expires_at = NULL WHERE id = $5',
  gatesCancelled: `UPDATE gates SET status = 'cancelled' WHERE run_id = $1 AND status = 'waiting'`,
  stepsCancelled: `UPDATE steps SET status = 'cancelled', finished_at = CASE WHEN status = 'running' THEN $1 ELSE finished_at END
     WHERE run_id = $2 AND status IN ('pending', 'running', 'waiting')`,
  attemptsCancelled: `UPDATE step_attempts SET status = 'cancelled', finished_at = $1 WHERE run_id = $2 AND status = 'running'`,
  runResumed: `UPDATE runs SET status = 'running', wants_slot = 0 WHERE id = $1 AND status = 'waiting'`,
  stepStarted: `UPDATE steps SET status = 'running', attempts = $1, started_at = $2, finished_at = NULL, duration_ms = NULL, error = NULL WHERE run_id = $3 AND id = $4`,
  attemptStarted: `INSERT INTO step_attempts (run_id, step, attempt, status, started_at) VALUES ($1, $2, $3, 'running', $4)
     ON CONFLICT (run_id, step, attempt) DO UPDATE SET status = 'running', started_at = excluded.started_at, finished_at = NULL, error = NULL`,
  stepCompleted: `UPDATE steps SET status = 'completed', finished_at = $1, duration_ms = $2 WHERE run_id = $3 AND id = $4`,
  stepFailed:
    'UPDATE steps SET status = $1, finished_at = $2, duration_ms = $3, error = $4 WHERE run_id = $5 AND id = $6',
  attemptFinished: `UPDATE step_attempts SET status = $1, finished_at = $2, error = $3 WHERE run_id = $4 AND step = $5 AND attempt = $6`,
  stepSkipped: `UPDATE steps SET status = 'skipped', finished_at = $1, error = NULL WHERE run_id = $2 AND id = $3`,
  gateWaiting: `INSERT INTO gates (run_id, step, status, prompt, choices, freeform, default_choice, timeout_at)
     VALUES ($1, $2, 'waiting', $3, $4, $5, $6, $7)
     ON CONFLICT (run_id, step) DO UPDATE SET status = 'waiting', prompt = excluded.prompt, choices = excluded.choices,
       freeform = excluded.freeform, default_choice = excluded.default_choice, timeout_at = excluded.timeout_at,
       answer_choice = NULL, answer_text = NULL, answer_by = NULL, answer_at = NULL`,
  stepWaiting: `UPDATE steps SET status = 'waiting' WHERE run_id = $1 AND id = $2`,
} as const;

/**
 * The PostgreSQL side of `projectEvent`: the same state changes as SQLite's projection, written
 * inside the transaction that inserts the event. The runs it ends are added to `finished`, for
 * the insight rollups.
 */
export async function projectPg(c: Queryable, e: WaveEvent, finished: string[] = []): Promise<void> {
  // step_failed alone needs state already written (its attempt's start): read it only then.
  let startedAt: string | null = null;
  if (e.type === 'step_failed' && !e.will_retry) {
    const { rows } = await c.query<{ started_at: string | null }>(SQL.stepStartedAt, [e.run_id, e.step]);
    startedAt = rows[0]?.started_at ?? null;
  }
  const changes = projectEvent(e, { stepStartedAt: () => startedAt });
  if (changes.length === 0) return;
  // The rollups skip a run that had ended before (pg-functions.ts `wave_rollup_add`).
  for (const ch of changes) if (ch.op === 'runFinished') finished.push(ch.runId);
  const [sql, params] = changes.length === 1 ? statementOf(changes[0]!) : combined(changes.map(statementOf));
  await writeLater(c, sql, params);
}

type Statement = [sql: string, params: unknown[]];

/**
 * One event's changes as one statement (a round trip each would be the cost): each becomes a
 * data-modifying WITH query, its parameters renumbered. They run on one snapshot without
 * seeing each other's rows, which is right because one event's changes touch distinct tables.
 */
function combined(statements: Statement[]): Statement {
  const params: unknown[] = [];
  const parts = statements.map(([sql, ps], i) => {
    const offset = params.length;
    params.push(...ps);
    return `c${i} AS (${sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`)})`;
  });
  return [`WITH ${parts.join(', ')} SELECT 1`, params];
}

/** A state change as one parameterised statement. */
function statementOf(ch: StateChange): Statement {
  switch (ch.op) {
    case 'runStarted':
      return [SQL.runStarted, [ch.at, ch.runId]];
    case 'runWaiting':
      return [SQL.runWaiting, [ch.runId]];
    case 'runResumed':
      return [SQL.runResumed, [ch.runId]];
    case 'runFinished':
      return [SQL.runFinished, [ch.status, ch.at, json(ch.error), ch.cancelBy, ch.runId]];
    case 'gatesCancelled':
      return [SQL.gatesCancelled, [ch.runId]];
    case 'stepsCancelled':
      return [SQL.stepsCancelled, [ch.at, ch.runId]];
    case 'attemptsCancelled':
      return [SQL.attemptsCancelled, [ch.at, ch.runId]];
    case 'stepStarted':
      return [SQL.stepStarted, [ch.attempt, ch.at, ch.runId, ch.step]];
    case 'attemptStarted':
      return [SQL.attemptStarted, [ch.runId, ch.step, ch.attempt, ch.at]];
    case 'stepCompleted':
      return [SQL.stepCompleted, [ch.at, ch.durationMs, ch.runId, ch.step]];
    case 'stepFailed':
      return [SQL.stepFailed, [ch.status, ch.finishedAt, ch.durationMs, json(ch.error), ch.runId, ch.step]];
    case 'attemptFinished':
      return [SQL.attemptFinished, [ch.status, ch.at, json(ch.error), ch.runId, ch.step, ch.attempt]];
    case 'stepSkipped':
      return [SQL.stepSkipped, [ch.at, ch.runId, ch.step]];
    case 'gateWaiting':
      return [
        SQL.gateWaiting,
        [
          ch.runId,
          ch.step,
          ch.prompt,
          JSON.stringify(ch.choices),
          ch.freeform ? 1 : 0,
          ch.defaultChoice,
          ch.timeoutAt,
        ],
      ];
    case 'stepWaiting':
      return [SQL.stepWaiting, [ch.runId, ch.step]];
  }
}

/** JSON columns hold text; null stays NULL. */
function json(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}
