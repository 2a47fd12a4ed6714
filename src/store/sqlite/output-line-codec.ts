import type { WaveEvent } from '../../events/catalogue.js';

/** What a stream_activity row stores besides seq, run and step; its JSON is rebuilt from them. */
export interface CompactLine {
  /** Epoch ms; the ISO form it came from is exactly `new Date(ts).toISOString()`. */
  ts: number;
  stream: string;
  content: string;
}

/** The keys of a stream_activity event, in the order the store's JSON has always had them. */
const KEYS = ['seq', 'ts', 'type', 'run_id', 'step', 'stream', 'content'] as const;

const wellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

/**
 * The compact form of an output line, or null when it must be stored as JSON: only when the
 * rebuilt JSON is certain to equal JSON.stringify(event), i.e. exactly the usual keys in the
 * usual order, an ISO timestamp that survives the round trip through epoch ms, and text SQLite
 * keeps as is (a lone surrogate would come back as U+FFFD).
 */
export function compactLine(event: WaveEvent): CompactLine | null {
  if (event.type !== 'stream_activity') return null;
  let i = 0;
  for (const key in event) if (KEYS[i++] !== key) return null;
  if (i !== KEYS.length) return null;
  const { ts, run_id, step, stream, content } = event;
  if (
    typeof ts !== 'string' ||
    typeof run_id !== 'string' ||
    typeof step !== 'string' ||
    typeof stream !== 'string' ||
    typeof content !== 'string'
  )
    return null;
  const ms = Date.parse(ts);
  if (!Number.isFinite(ms) || new Date(ms).toISOString() !== ts) return null;
  if (!wellFormed(content) || !wellFormed(step) || !wellFormed(run_id) || !wellFormed(stream)) return null;
  return { ts: ms, stream, content };
}

/** What the JSON of a compact line holds between its ts and its content: the same for many lines. */
export function lineJsonMiddle(runId: string, step: string, stream: string): string {
  return `","type":"stream_activity","run_id":${JSON.stringify(runId)},"step":${JSON.stringify(step)},"stream":${JSON.stringify(stream)},"content":`;
}

/** The JSON of a compact output line: the same text JSON.stringify gave the event. */
export function lineJson(seq: number, isoTs: string, middle: string, content: string): string {
  return `{"seq":${seq},"ts":"${isoTs}${middle}${JSON.stringify(content)}}`;
}
