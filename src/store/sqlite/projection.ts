import type { WaveEvent } from '../../events/catalogue.js';
import type { Db } from './open-database.js';

/**
 * Applies the state change an event announces, inside the transaction that inserts the event.
 * This is the one place where events become state, so the two can never disagree.
 */
export class Projection {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      runStarted: db.prepare(
        `UPDATE runs SET status = 'running', started_at = COALESCE(started_at, ?) WHERE id = ?`,
      ),
      runWaiting: db.prepare(`UPDATE runs SET status = 'waiting', wants_slot = 0 WHERE id = ?`),
      runFinished: db.prepare(
        'UPDATE runs SET status = ?, finished_at = ?, error = ?, cancel_by = COALESCE(?, cancel_by), wants_slot = 0, owner = NULL, lease_expires_at = NULL WHERE id = ?',
      ),
      // A gate still waiting when its run ends was never answered: it will not be any more.
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
      runResumedByStep: db.prepare(
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
        `UPDATE steps SET status = ?, finished_at = CASE WHEN ? THEN NULL ELSE ? END,
           duration_ms = CASE WHEN ? THEN NULL ELSE CAST(ROUND((julianday(?) - julianday(started_at)) * 86400000) AS INTEGER) END,
           error = ? WHERE run_id = ? AND id = ?`,
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
  }

  apply(e: WaveEvent): void {
    const s = this.s;
    switch (e.type) {
      case 'run_started':
        s.runStarted.run(e.ts, e.run_id);
        break;
      case 'run_waiting':
        s.runWaiting.run(e.run_id);
        break;
      case 'run_completed':
        s.gatesCancelled.run(e.run_id);
        s.runFinished.run('completed', e.ts, null, null, e.run_id);
        break;
      case 'run_failed':
        s.gatesCancelled.run(e.run_id);
        s.runFinished.run('failed', e.ts, JSON.stringify(e.error), null, e.run_id);
        break;
      case 'run_cancelled':
        s.gatesCancelled.run(e.run_id);
        s.stepsCancelled.run(e.ts, e.run_id);
        s.attemptsCancelled.run(e.ts, e.run_id);
        s.runFinished.run('cancelled', e.ts, null, e.by, e.run_id);
        break;
      case 'step_started':
        // A gate starting does not make a waiting run run: it only adds a gate to wait for.
        if (e.kind !== 'gate') s.runResumedByStep.run(e.run_id);
        s.stepStarted.run(e.attempt, e.ts, e.run_id, e.step);
        s.attemptStarted.run(e.run_id, e.step, e.attempt, e.ts);
        break;
      case 'step_completed':
        s.stepCompleted.run(e.ts, Math.round(e.duration_ms), e.run_id, e.step);
        s.attemptFinished.run('completed', e.ts, null, e.run_id, e.step, e.attempt);
        break;
      case 'step_failed': {
        // While a retry is pending the step stays `running`; a cancelled attempt ends `cancelled`.
        const retry = e.will_retry ? 1 : 0;
        const status = e.will_retry ? 'running' : e.error.code === 'cancelled' ? 'cancelled' : 'failed';
        const error = JSON.stringify(e.error);
        s.stepFailed.run(status, retry, e.ts, retry, e.ts, error, e.run_id, e.step);
        s.attemptFinished.run(
          e.error.code === 'cancelled' ? 'cancelled' : 'failed',
          e.ts,
          error,
          e.run_id,
          e.step,
          e.attempt,
        );
        break;
      }
      case 'step_skipped':
        s.stepSkipped.run(e.ts, e.run_id, e.step);
        break;
      case 'gate_waiting':
        s.gateWaiting.run(
          e.run_id,
          e.step,
          e.prompt,
          JSON.stringify(e.choices),
          e.freeform ? 1 : 0,
          e.default,
          e.timeout_at,
        );
        s.stepWaiting.run(e.run_id, e.step);
        break;
      // gate_answered is applied by the store's conditional answerGate; the rest carry no state.
      default:
        break;
    }
  }
}
