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
  steps: { id: string; status: string; durationMs: number | null; attempts: number }[];
  artifacts: { step: string; name: string; size: number; sha256: string }[];
  usage: { tokens_in: number; tokens_out: number; cost_usd: number } | null;
  error: string | null;
}
