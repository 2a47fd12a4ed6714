import type { WaveEvent } from '../../events/catalogue.js';
import type { EventQuery, OutputLine, OutputQuery, StoredEvent } from '../records.js';
import type { Queryable } from './pg-db.js';

/** Rows per INSERT: one statement of arrays, so a burst of 150k lines is a few round trips. */
const INSERT_CHUNK = 5000;
/** Rows per read while filling a page bounded by size (a page rarely needs more). */
const READ_CHUNK = 500;

/** Inserts events (already numbered) as arrays unnested in one statement per chunk. */
export async function insertEvents(
  c: Queryable,
  events: readonly WaveEvent[],
  origin: string,
): Promise<void> {
  for (let i = 0; i < events.length; i += INSERT_CHUNK) {
    const chunk = events.slice(i, i + INSERT_CHUNK);
    await c.query(
      `INSERT INTO events (seq, run_id, type, step, origin, json)
       SELECT seq, run_id, type, step, $5, json FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $6::text[])
         AS t (seq, run_id, type, step, json)`,
      [
        chunk.map((e) => e.seq),
        chunk.map((e) => e.run_id),
        chunk.map((e) => e.type),
        chunk.map((e) => ('step' in e && typeof e.step === 'string' ? e.step : null)),
        origin,
        chunk.map((e) => JSON.stringify(e)),
      ],
    );
  }
}

interface EventRow {
  seq: number;
  run_id: string;
  type: string;
  json: string;
}

/**
 * A query's rows in seq order up to `limit`, or with `maxBytes` those until their measured size
 * reaches it (the row that crosses it included), read in chunks so a small page reads little.
 */
async function pageOf(
  c: Queryable,
  where: string[],
  params: unknown[],
  limit: number,
  maxBytes: number | undefined,
  measure: (row: EventRow) => number,
): Promise<EventRow[]> {
  const sql = (afterParam: number, limitParam: number) =>
    `SELECT seq, run_id, type, json FROM events WHERE ${[...where, `seq > $${afterParam}`].join(' AND ')} ORDER BY seq LIMIT $${limitParam}`;
  const text = sql(params.length + 1, params.length + 2);
  if (maxBytes === undefined) return (await c.query<EventRow>(text, [...params, 0, limit])).rows;
  const out: EventRow[] = [];
  let size = 0;
  let after = 0;
  while (out.length < limit) {
    const want = Math.min(READ_CHUNK, limit - out.length);
    const { rows } = await c.query<EventRow>(text, [...params, after, want]);
    for (const row of rows) {
      out.push(row);
      size += measure(row);
      if (size >= maxBytes) return out;
    }
    if (rows.length < want) break;
    after = rows[rows.length - 1]!.seq;
  }
  return out;
}

export async function readEventRows(c: Queryable, q: EventQuery): Promise<StoredEvent[]> {
  const where = ['seq > $1'];
  const params: unknown[] = [q.afterSeq];
  const add = (clause: (n: string) => string, value: unknown) => {
    params.push(value);
    where.push(clause(`$${params.length}`));
  };
  if (q.upToSeq !== undefined) add((n) => `seq <= ${n}`, q.upToSeq);
  if (q.runId !== undefined) add((n) => `run_id = ${n}`, q.runId);
  if (q.types?.length) add((n) => `type = ANY(${n}::text[])`, q.types);
  if (q.step !== undefined) add((n) => `step = ${n}`, q.step);
  if (q.excludeOrigin !== undefined) add((n) => `origin <> ${n}`, q.excludeOrigin);
  const rows = await pageOf(c, where, params, q.limit, q.maxBytes, (r) => r.json.length);
  return rows.map((r) => ({ seq: r.seq, runId: r.run_id, type: r.type, json: r.json }));
}

export async function readOutputRows(c: Queryable, q: OutputQuery): Promise<OutputLine[]> {
  const where = ['run_id = $1', 'seq > $2', `type = 'stream_activity'`];
  const params: unknown[] = [q.runId, q.afterSeq];
  if (q.step !== undefined) {
    params.push(q.step);
    where.push(`step = $${params.length}`);
  }
  const lineOf = (r: EventRow) => {
    const e = JSON.parse(r.json) as Extract<WaveEvent, { type: 'stream_activity' }>;
    return { seq: e.seq, ts: e.ts, step: e.step, stream: e.stream, content: e.content };
  };
  // maxBytes bounds the lines' content, not their JSON.
  const rows = await pageOf(c, where, params, q.limit, q.maxBytes, (r) => lineOf(r).content.length);
  return rows.map(lineOf);
}
