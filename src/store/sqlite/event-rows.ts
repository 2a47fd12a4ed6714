import type { Statement } from 'better-sqlite3';
import type { WaveEvent } from '../../events/catalogue.js';
import type { OutputLine, StoredEvent } from '../records.js';
import type { EventNames } from './event-names.js';
import { lineJson, lineJsonMiddle } from './output-line-codec.js';

/** The columns read from `events`, in the order of EventRow. */
export const EVENT_COLUMNS = 'seq, run, type, step, json, ts, stream, content';

/** A row of `events`, read raw (arrays cost half what objects do): json, or a compact line's parts. */
export type EventRow = [
  seq: number,
  run: number,
  type: number,
  step: string | null,
  json: string | null,
  ts: number | null,
  stream: number | null,
  content: string | null,
];

/**
 * The statement's rows, or with `maxBytes` those until their text reaches it (the row that
 * crosses it included). Nothing else may use the connection while a statement iterates: names
 * are looked up afterwards.
 */
export function pageOf(stmt: Statement, params: unknown[], maxBytes: number | undefined): EventRow[] {
  stmt.raw(true);
  if (maxBytes === undefined) return stmt.all(...params) as EventRow[];
  const out: EventRow[] = [];
  let size = 0;
  for (const row of stmt.iterate(...params) as IterableIterator<EventRow>) {
    out.push(row);
    size += (row[4] ?? row[7] ?? '').length;
    if (size >= maxBytes) break;
  }
  return out;
}

/**
 * Rows back into events: names from their numbers, and a compact line's exact JSON. Consecutive
 * lines mostly share their millisecond and their run, step and stream: those parts are reused.
 */
export class EventRowDecoder {
  private lastTs = Number.NaN;
  private lastIso = '';
  private middleOf = { run: -1, step: '', stream: -1, text: '' };

  constructor(private readonly names: EventNames) {}

  stored = (row: EventRow): StoredEvent => {
    const [seq, run, type, step, json, ts, stream, content] = row;
    const runId = this.names.name(run);
    return {
      seq,
      runId,
      type: this.names.name(type),
      json: json ?? lineJson(seq, this.iso(ts!), this.middle(run, runId, step!, stream!), content!),
    };
  };

  output = (row: EventRow): OutputLine => {
    const [seq, , , step, json, ts, stream, content] = row;
    if (json !== null) {
      const e = JSON.parse(json) as Extract<WaveEvent, { type: 'stream_activity' }>;
      return { seq: e.seq, ts: e.ts, step: e.step, stream: e.stream, content: e.content };
    }
    return { seq, ts: this.iso(ts!), step: step!, stream: this.names.name(stream!), content: content! };
  };

  private iso(ts: number): string {
    if (ts !== this.lastTs) {
      this.lastTs = ts;
      this.lastIso = new Date(ts).toISOString();
    }
    return this.lastIso;
  }

  private middle(run: number, runId: string, step: string, stream: number): string {
    const m = this.middleOf;
    if (m.run !== run || m.step !== step || m.stream !== stream)
      this.middleOf = {
        run,
        step,
        stream,
        text: lineJsonMiddle(runId, step, this.names.name(stream)),
      };
    return this.middleOf.text;
  }
}
