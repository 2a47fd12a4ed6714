import type { WaveEvent } from '../../events/catalogue.js';
import { type ProjectionState, projectEvent, type StateChange } from '../projection.js';
import type { Db } from './open-database.js';

/**
 * Writes the state changes `projectEvent` decides, inside the transaction that inserts the
 * event: each change is one statement of plain values.
 */
export class Projection {
  private readonly s;
  private readonly state: ProjectionState;
  /** Runs finished by the events applied since the last takeFinished(), for the rollups. */
  private finished: string[] = [];

  constructor(db: Db) {
    this.s = {
      stepStartedAt: db.prepare('SELECT started_at FROM steps WHERE run_id = ? AND id = ?').pluck(),
      runStarted: db.prepare(
        `UPDATE runs SET status = 'running', started_at = COALESCE(started_at, ?) WHERE id = ?`,
      ),
      runWaiting: db.prepare(`UPDATE runs SET status = 'waiting', wants_slot = 0 WHERE id = ?`),
      runStatus: db.prepare('SELECT status FROM runs WHERE id = ?').pluck(),
      runFinished: db.prepare(
        'UPDATE runs SET status = ?, finished_at = ?, error = ?, cancel_by = COALESCE(?, cancel_by), wants_slot = 0, owner = NULL, lease_expires_at = NULL WHERE id = ?',
      ),
      gatesCancelled: db.prepare(
        `UPDATE gates SET status = 'cancelled' WHERE run_id = ? AND status = 'waiting'`,
      ),
      stepsCancelled: db.prepare(
        `UPDATE steps SET status = 'cancelled', finished_at = CASE WHEN status = 'running' THEN ? ELSE finished_at END
         WHERE run_id = ? AND status IN ('pending', 'running', 'waiting')`,
      ),
      attemptsCancelled: db.prepare(
        `UPDATE step_attempts SET status = 'cancelled', finished_at = ? WHERE run_id = ? AND status = 'running'`,
      ),
      runResumed: db.prepare(
        `UPDATE runs SET status = 'running', wants_slot = 0 WHERE id = ? AND status = 'waiting'`,
      ),
      stepStarted: db.prepare(
        `UPDATE steps SET status = 'running', attempts = ?, started_at = ?, finished_at = NULL, duration_ms = NULL, error = NULL WHERE run_id = ? AND id = ?`,
      ),
      attemptStarted: db.prepare(
        `INSERT INTO step_attempts (run_id, step, attempt, status, started_at) VALUES (?, ?, ?, 'running', ?)
         ON CONFLICT (run_id, step, attempt) DO UPDATE SET status = 'running', started_at = excluded.started_at, finished_at = NULL, error = NULL`,
      ),
      stepCompleted: db.prepare(
        `UPDATE steps SET status = 'completed', finished_at = ?, duration_ms = ? WHERE run_id = ? AND id = ?`,
      ),
      stepFailed: db.prepare(
        'UPDATE steps SET status = ?, finished_at = ?, duration_ms = ?, error = ? WHERE run_id = ? AND id = ?',
      ),
      attemptFinished: db.prepare(
        `UPDATE step_attempts SET status = ?, finished_at = ?, error = ? WHERE run_id = ? AND step = ? AND attempt = ?`,
      ),
      stepSkipped: db.prepare(
        `UPDATE steps SET status = 'skipped', finished_at = ?, error = NULL WHERE run_id = ? AND id = ?`,
      ),
      gateWaiting: db.prepare(
        `INSERT INTO gates (run_id, step, status, prompt, choices, freeform, default_choice, timeout_at)
         VALUES (?, ?, 'waiting', ?, ?, ?, ?, ?)
         ON CONFLICT (run_id, step) DO UPDATE SET status = 'waiting', prompt = excluded.prompt, choices = excluded.choices,
           freeform = excluded.freeform, default_choice = excluded.default_choice, timeout_at = excluded.timeout_at,
           answer_choice = NULL, answer_text = NULL, answer_by = NULL, answer_at = NULL`,
      ),
      stepWaiting: db.prepare(`UPDATE steps SET status = 'waiting' WHERE run_id = ? AND id = ?`),
    };
    this.state = {
      stepStartedAt: (runId, step) =>
        (this.s.stepStartedAt.get(runId, step) as string | null | undefined) ?? null,
    };
  }

  apply(e: WaveEvent): void {
    for (const change of projectEvent(e, this.state)) this.write(change);
  }

  /** The runs finished since the last call (each once, even if a second terminal event came). */
  takeFinished(): string[] {
    const out = this.finished;
    this.finished = [];
    return out;
  }

  private write(c: StateChange): void {
    const s = this.s;
    switch (c.op) {
      case 'runStarted':
        s.runStarted.run(c.at, c.runId);
        break;
      case 'runWaiting':
        s.runWaiting.run(c.runId);
        break;
      case 'runResumed':
        s.runResumed.run(c.runId);
        break;
      case 'runFinished':
        if (!isFinal(s.runStatus.get(c.runId) as string | undefined)) this.finished.push(c.runId);
        s.runFinished.run(c.status, c.at, json(c.error), c.cancelBy, c.runId);
        break;
      case 'gatesCancelled':
        s.gatesCancelled.run(c.runId);
        break;
      case 'stepsCancelled':
        s.stepsCancelled.run(c.at, c.runId);
        break;
      case 'attemptsCancelled':
        s.attemptsCancelled.run(c.at, c.runId);
        break;
      case 'stepStarted':
        s.stepStarted.run(c.attempt, c.at, c.runId, c.step);
        break;
      case 'attemptStarted':
        s.attemptStarted.run(c.runId, c.step, c.attempt, c.at);
        break;
      case 'stepCompleted':
        s.stepCompleted.run(c.at, c.durationMs, c.runId, c.step);
        break;
      case 'stepFailed':
        s.stepFailed.run(c.status, c.finishedAt, c.durationMs, json(c.error), c.runId, c.step);
        break;
      case 'attemptFinished':
        s.attemptFinished.run(c.status, c.at, json(c.error), c.runId, c.step, c.attempt);
        break;
      case 'stepSkipped':
        s.stepSkipped.run(c.at, c.runId, c.step);
        break;
      case 'gateWaiting':
        s.gateWaiting.run(
          c.runId,
          c.step,
          c.prompt,
          JSON.stringify(c.choices),
          c.freeform ? 1 : 0,
          c.defaultChoice,
          c.timeoutAt,
        );
        break;
      case 'stepWaiting':
        s.stepWaiting.run(c.runId, c.step);
        break;
    }
  }
}

function isFinal(status: string | undefined): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

/** JSON columns hold text; null stays NULL. */
function json(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}
