import type { WaveEvent } from '../../events/catalogue.js';

type StreamEvent = Extract<WaveEvent, { type: 'stream_activity' }>;

export interface LogLine {
  seq: number;
  ts: string;
  step: string;
  stream: StreamEvent['stream'];
  content: string;
}

/** The log of a run: one line per `stream_activity` event, in seq order, optionally one step's. */
export function logLinesOf(events: readonly WaveEvent[], step: string | null = null): LogLine[] {
  const lines: LogLine[] = [];
  for (const e of events) {
    if (e.type !== 'stream_activity') continue;
    if (step !== null && e.step !== step) continue;
    lines.push({ seq: e.seq, ts: e.ts, step: e.step, stream: e.stream, content: e.content });
  }
  return lines;
}

/** The last `max` lines, and how many were left out before them. */
export function tailLines<T>(lines: readonly T[], max: number): { shown: readonly T[]; hidden: number } {
  if (lines.length <= max) return { shown: lines, hidden: 0 };
  return { shown: lines.slice(lines.length - max), hidden: lines.length - max };
}

/** The log as `wave logs` prints it: `[step] content` per line. */
export function logText(lines: readonly LogLine[]): string {
  return lines.map((l) => `[${l.step}] ${l.content}\n`).join('');
}
