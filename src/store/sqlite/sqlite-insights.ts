import type { InsightsStore, InsightsWindow, RunFact, StepFact } from '../insights-records.js';
import type { Db } from './open-database.js';

const PIPELINE = '(@pipeline IS NULL OR r.pipeline = @pipeline)';
const WINDOW = `r.created_at >= @since AND r.created_at < @until AND ${PIPELINE}`;

/** Insights on SQLite: the window is found through runs_created (migration 11). */
export class SqliteInsights implements InsightsStore {
  private readonly s;

  constructor(
    db: Db,
    private readonly guard: <T>(fn: () => T) => Promise<T>,
  ) {
    this.s = {
      runs: db
        .prepare(
          `SELECT r.pipeline, r.status, r.created_at, r.started_at, r.finished_at,
                  json_extract(r.error, '$.code'), json_extract(r.error, '$.message')
           FROM runs r WHERE ${WINDOW} ORDER BY r.created_at`,
        )
        .raw(),
      steps: db
        .prepare(
          `SELECT r.pipeline, substr(r.created_at, 1, 10), s.id, s.idx, s.status, s.attempts, s.duration_ms, s.usage
           FROM runs r JOIN steps s ON s.run_id = r.id WHERE ${WINDOW}`,
        )
        .raw(),
    };
  }

  runFacts(window: InsightsWindow): Promise<RunFact[]> {
    return this.guard(() => {
      const rows = this.s.runs.all(params(window)) as [
        string,
        RunFact['status'],
        string,
        string | null,
        string | null,
        string | null,
        string | null,
      ][];
      return rows.map(([pipeline, status, created, started, finished, errorCode, errorMessage]) => ({
        pipeline,
        status,
        createdMs: Date.parse(created),
        startedMs: started ? Date.parse(started) : null,
        finishedMs: finished ? Date.parse(finished) : null,
        errorCode,
        errorMessage,
      }));
    });
  }

  stepFacts(window: InsightsWindow): Promise<StepFact[]> {
    return this.guard(() => {
      const rows = this.s.steps.all(params(window)) as [
        string,
        string,
        string,
        number,
        StepFact['status'],
        number,
        number | null,
        string | null,
      ][];
      return rows.map(([pipeline, day, step, idx, status, attempts, durationMs, usage]) => ({
        pipeline,
        day,
        step,
        idx,
        status,
        attempts,
        durationMs,
        usage,
      }));
    });
  }
}

function params(window: InsightsWindow) {
  return { since: window.since, until: window.until, pipeline: window.pipeline ?? null };
}
