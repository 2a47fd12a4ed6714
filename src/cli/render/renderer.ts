import type { Usage } from '../../engine/adapters/types.js';
import { sumUsage } from '../../engine/usage.js';
import type { WaveEvent } from '../../events/catalogue.js';

/** How `wave run` shows a run: live view, plain lines, or JSON events. */
export interface RunRenderer {
  onEvents(events: readonly WaveEvent[]): void;
  /** Stops live redrawing (a gate prompt or the end of the run). */
  pause(): void;
  resume(): void;
  /** After the terminal event: the summary. */
  finish(summary: RunSummary): void;
}

export interface RunSummary {
  runId: string;
  status: string;
  durationMs: number | null;
  steps: {
    id: string;
    status: string;
    durationMs: number | null;
    attempts: number;
    /** How many child runs a composition step started. */
    children: number;
  }[];
  artifacts: { step: string; name: string; size: number; sha256: string }[];
  usage: { tokens_in: number; tokens_out: number; cost_usd: number } | null;
  error: string | null;
}

/** A run as both the local service and the API describe it, as far as a summary needs. */
interface SummarizedRun {
  status: string;
  duration_ms: number | null;
  steps: readonly {
    id: string;
    status: string;
    duration_ms: number | null;
    attempts: number;
    children: readonly string[];
    artifacts: readonly { name: string; size: number; sha256: string }[];
    usage: Usage | null;
  }[];
}

/** The summary of a finished run, local or remote alike. */
export function runSummary(runId: string, run: SummarizedRun, error: string | null): RunSummary {
  return {
    runId,
    status: run.status,
    durationMs: run.duration_ms,
    steps: run.steps.map((s) => ({
      id: s.id,
      status: s.status,
      durationMs: s.duration_ms,
      attempts: s.attempts,
      children: s.children.length,
    })),
    artifacts: run.steps.flatMap((s) =>
      s.artifacts.map((a) => ({ step: s.id, name: a.name, size: a.size, sha256: a.sha256 })),
    ),
    usage: sumUsage(run.steps.map((s) => s.usage)),
    error,
  };
}
