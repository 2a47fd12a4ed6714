import { RUN_ARTIFACT_STEP } from '../../events/run-artifact-step.js';
import type { Gate, Run, RunDetail, RunStatus, Step, WaveEvent } from '../api/types.js';

/**
 * Applies events to the run objects the API returned, the way the server's store projects them,
 * so a page shows each change the moment its event arrives; a refetch then fills in what events
 * do not carry (usage, sizes). Pure: returns new objects, never mutates.
 */

const TERMINAL: ReadonlySet<RunStatus> = new Set(['completed', 'failed', 'cancelled']);

export function isTerminalStatus(status: RunStatus): boolean {
  return TERMINAL.has(status);
}

/** The run-level fields an event changes; terminal runs never change again. */
export function applyEventToRun<R extends Run>(run: R, e: WaveEvent): R {
  if (e.run_id !== run.id || isTerminalStatus(run.status)) return run;
  switch (e.type) {
    case 'run_started':
      return { ...run, status: 'running', started_at: run.started_at ?? e.ts, queue_position: null };
    case 'run_waiting':
      return { ...run, status: 'waiting' };
    case 'step_started':
      // A gate starting does not make a waiting run run: it only adds a gate to wait for.
      return e.kind !== 'gate' && run.status === 'waiting' ? { ...run, status: 'running' } : run;
    case 'run_completed':
    case 'run_cancelled':
      return {
        ...run,
        status: e.status,
        finished_at: e.ts,
        duration_ms: e.duration_ms,
        queue_position: null,
      };
    case 'run_failed':
      return {
        ...run,
        status: 'failed',
        finished_at: e.ts,
        duration_ms: e.duration_ms,
        error: e.error,
        queue_position: null,
      };
    default:
      return run;
  }
}

export function applyEventsToDetail(detail: RunDetail, events: readonly WaveEvent[]): RunDetail {
  let out = detail;
  for (const e of events) out = applyEventToDetail(out, e);
  return out;
}

export function applyEventToDetail(detail: RunDetail, e: WaveEvent): RunDetail {
  if (e.run_id !== detail.id) return detail;
  const wasTerminal = isTerminalStatus(detail.status);
  let out = applyEventToRun(detail, e);
  // A gate still waiting when its run ends is cancelled, as the store records it.
  if (!wasTerminal && isTerminalStatus(out.status)) out = cancelWaitingGates(out);
  switch (e.type) {
    case 'run_cancelled':
      out = mapSteps(out, (s) =>
        s.status === 'pending' || s.status === 'running' || s.status === 'waiting'
          ? { ...s, status: 'cancelled', finished_at: s.status === 'running' ? e.ts : s.finished_at }
          : s,
      );
      break;
    case 'step_started':
      out = updateStep(out, e.step, (s) => ({
        ...s,
        status: 'running',
        attempts: Math.max(s.attempts, e.attempt),
        started_at: e.ts,
        finished_at: null,
        duration_ms: null,
        error: null,
      }));
      break;
    case 'step_completed':
      out = updateStep(out, e.step, (s) => ({
        ...s,
        status: 'completed',
        finished_at: e.ts,
        duration_ms: Math.round(e.duration_ms),
      }));
      break;
    case 'step_failed':
      out = updateStep(out, e.step, (s) =>
        e.will_retry
          ? { ...s, status: 'running', error: e.error }
          : {
              ...s,
              status: e.error.code === 'cancelled' ? 'cancelled' : 'failed',
              finished_at: e.ts,
              error: e.error,
            },
      );
      break;
    case 'step_skipped':
      out = updateStep(out, e.step, (s) => ({ ...s, status: 'skipped', finished_at: e.ts, error: null }));
      break;
    case 'artifact_written':
      if (e.step === RUN_ARTIFACT_STEP) {
        if (!out.artifacts.some((a) => a.name === e.name))
          out = { ...out, artifacts: [...out.artifacts, { name: e.name, size: e.size, sha256: e.sha256 }] };
        break;
      }
      out = updateStep(out, e.step, (s) =>
        s.artifacts.some((a) => a.name === e.name)
          ? s
          : { ...s, artifacts: [...s.artifacts, { name: e.name, size: e.size, sha256: e.sha256 }] },
      );
      break;
    case 'gate_waiting':
      out = upsertGate(out, e.step, () => ({
        step: e.step,
        status: 'waiting',
        prompt: e.prompt,
        choices: e.choices,
        freeform: e.freeform,
        default: e.default,
        timeout_at: e.timeout_at,
        answer: null,
      }));
      if (!wasTerminal) out = updateStep(out, e.step, (s) => ({ ...s, status: 'waiting' }));
      break;
    case 'gate_answered':
      out = upsertGate(out, e.step, (g) =>
        g
          ? {
              ...g,
              status: e.timed_out ? 'timed_out' : 'answered',
              answer: { choice: e.choice, text: e.text, by: e.by, at: e.ts },
            }
          : null,
      );
      break;
    default:
      break;
  }
  return out;
}

function cancelWaitingGates(detail: RunDetail): RunDetail {
  if (!detail.gates.some((g) => g.status === 'waiting')) return detail;
  return {
    ...detail,
    gates: detail.gates.map((g) => (g.status === 'waiting' ? { ...g, status: 'cancelled' } : g)),
  };
}

function mapSteps(detail: RunDetail, fn: (s: Step) => Step): RunDetail {
  return { ...detail, steps: detail.steps.map(fn) };
}

function updateStep(detail: RunDetail, id: string, fn: (s: Step) => Step): RunDetail {
  if (!detail.steps.some((s) => s.id === id)) return detail;
  return mapSteps(detail, (s) => (s.id === id ? fn(s) : s));
}

function upsertGate(detail: RunDetail, step: string, fn: (g: Gate | null) => Gate | null): RunDetail {
  const index = detail.gates.findIndex((g) => g.step === step);
  const next = fn(index === -1 ? null : detail.gates[index]!);
  if (!next) return detail;
  const gates = [...detail.gates];
  if (index === -1) gates.push(next);
  else gates[index] = next;
  return { ...detail, gates };
}
