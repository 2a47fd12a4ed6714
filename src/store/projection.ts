import type { WaveEvent } from '../events/catalogue.js';

/** What projecting an event needs to know of the state already written. */
export interface ProjectionState {
  /** When the step's current attempt started (ISO), or null. */
  stepStartedAt(runId: string, step: string): string | null;
}

type RunFinal = 'completed' | 'failed' | 'cancelled';
type AttemptEnd = 'completed' | 'failed' | 'cancelled';

/**
 * One write of plain values. Every store applies these the same way in its own dialect; what
 * each event means for state is decided once, here.
 */
export type StateChange =
  /** status running; started_at only if not set yet (a resumed run keeps its first start). */
  | { op: 'runStarted'; runId: string; at: string }
  /** status waiting, and it no longer wants a slot. */
  | { op: 'runWaiting'; runId: string }
  /** A step (not a gate) started: a waiting run runs again. */
  | { op: 'runResumed'; runId: string }
  /** Final status; the owner and lease are released; cancelBy, if given, replaces the old one. */
  | {
      op: 'runFinished';
      runId: string;
      status: RunFinal;
      at: string;
      error: unknown;
      cancelBy: string | null;
    }
  /** Gates still waiting become cancelled. */
  | { op: 'gatesCancelled'; runId: string }
  /** Steps not finished become cancelled; those running get finished_at = at. */
  | { op: 'stepsCancelled'; runId: string; at: string }
  /** Attempts still running become cancelled at `at`. */
  | { op: 'attemptsCancelled'; runId: string; at: string }
  | { op: 'stepStarted'; runId: string; step: string; attempt: number; at: string }
  /** Inserts the attempt, or restarts it if it exists. */
  | { op: 'attemptStarted'; runId: string; step: string; attempt: number; at: string }
  | { op: 'stepCompleted'; runId: string; step: string; at: string; durationMs: number }
  | {
      op: 'stepFailed';
      runId: string;
      step: string;
      status: 'running' | 'failed' | 'cancelled';
      finishedAt: string | null;
      durationMs: number | null;
      error: unknown;
    }
  | {
      op: 'attemptFinished';
      runId: string;
      step: string;
      attempt: number;
      status: AttemptEnd;
      at: string;
      error: unknown;
    }
  | { op: 'stepSkipped'; runId: string; step: string; at: string }
  /** Inserts the gate waiting, or resets it to waiting with no answer. */
  | {
      op: 'gateWaiting';
      runId: string;
      step: string;
      prompt: string;
      choices: unknown;
      freeform: boolean;
      defaultChoice: string | null;
      timeoutAt: string | null;
    }
  | { op: 'stepWaiting'; runId: string; step: string };

/**
 * The state change an event announces, applied in the transaction that inserts the event, so
 * events and state never disagree. Dialect-free: values are computed here (durations too).
 */
export function projectEvent(e: WaveEvent, state: ProjectionState): StateChange[] {
  const runId = e.run_id;
  switch (e.type) {
    case 'run_started':
      return [{ op: 'runStarted', runId, at: e.ts }];
    case 'run_waiting':
      return [{ op: 'runWaiting', runId }];
    case 'run_completed':
      return [
        { op: 'gatesCancelled', runId },
        { op: 'runFinished', runId, status: 'completed', at: e.ts, error: null, cancelBy: null },
      ];
    case 'run_failed':
      return [
        { op: 'gatesCancelled', runId },
        { op: 'runFinished', runId, status: 'failed', at: e.ts, error: e.error, cancelBy: null },
      ];
    case 'run_cancelled':
      return [
        { op: 'gatesCancelled', runId },
        { op: 'stepsCancelled', runId, at: e.ts },
        { op: 'attemptsCancelled', runId, at: e.ts },
        { op: 'runFinished', runId, status: 'cancelled', at: e.ts, error: null, cancelBy: e.by },
      ];
    case 'step_started':
      return [
        // A gate starting does not make a waiting run run: it only adds a gate to wait for.
        ...(e.kind !== 'gate' ? [{ op: 'runResumed', runId } as const] : []),
        { op: 'stepStarted', runId, step: e.step, attempt: e.attempt, at: e.ts },
        { op: 'attemptStarted', runId, step: e.step, attempt: e.attempt, at: e.ts },
      ];
    case 'step_completed':
      return [
        { op: 'stepCompleted', runId, step: e.step, at: e.ts, durationMs: Math.round(e.duration_ms) },
        {
          op: 'attemptFinished',
          runId,
          step: e.step,
          attempt: e.attempt,
          status: 'completed',
          at: e.ts,
          error: null,
        },
      ];
    case 'step_failed': {
      // While a retry is pending the step stays `running`; a cancelled attempt ends `cancelled`.
      const cancelled = e.error.code === 'cancelled';
      const startedAt = state.stepStartedAt(runId, e.step);
      return [
        e.will_retry
          ? {
              op: 'stepFailed',
              runId,
              step: e.step,
              status: 'running',
              finishedAt: null,
              durationMs: null,
              error: e.error,
            }
          : {
              op: 'stepFailed',
              runId,
              step: e.step,
              status: cancelled ? 'cancelled' : 'failed',
              finishedAt: e.ts,
              durationMs: startedAt === null ? null : Date.parse(e.ts) - Date.parse(startedAt),
              error: e.error,
            },
        {
          op: 'attemptFinished',
          runId,
          step: e.step,
          attempt: e.attempt,
          status: cancelled ? 'cancelled' : 'failed',
          at: e.ts,
          error: e.error,
        },
      ];
    }
    case 'step_skipped':
      return [{ op: 'stepSkipped', runId, step: e.step, at: e.ts }];
    case 'gate_waiting':
      return [
        {
          op: 'gateWaiting',
          runId,
          step: e.step,
          prompt: e.prompt,
          choices: e.choices,
          freeform: e.freeform,
          defaultChoice: e.default,
          timeoutAt: e.timeout_at,
        },
        { op: 'stepWaiting', runId, step: e.step },
      ];
    // gate_answered is applied by the store's conditional answerGate; the rest carry no state.
    default:
      return [];
  }
}
