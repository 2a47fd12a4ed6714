import pg from 'pg';
import type { WaveEvent } from '../../events/catalogue.js';

/**
 * Up to this many events are numbered and inserted by the closing script; a bigger burst (a
 * step's output flood) is inserted with parameters before it, as literals that large would
 * cost more to build and parse than the round trips they save.
 */
export const SEALED_EVENTS_MAX = 200;

/** The wire form of an event before numbering begins so: `seq` first, its value 0. */
const UNNUMBERED_PREFIX = '{"seq":0,';

/**
 * The closing script of a transaction that wrote events, sent in one round trip: `wave_seal`
 * (pg-functions.ts) takes the seq lock, rolls up the `finished` runs, numbers and inserts the
 * events after the highest seq and announces the last one; then COMMIT. The lock is thus held
 * from its grant to COMMIT within one round trip, not across three, which is what every
 * concurrent writer of events waits for. The statement before COMMIT answers with the seq before
 * the first event (see `sealedBase`).
 */
export function sealScript(
  events: readonly WaveEvent[],
  finished: readonly string[],
  origin: string,
  lock: number,
  channel: string,
): string {
  const jsons = events.map((e) => {
    const json = JSON.stringify(e);
    if (!json.startsWith(UNNUMBERED_PREFIX))
      throw new Error(`an event to number starts ${json.slice(0, 12)}`);
    return json;
  });
  const array = (values: readonly (string | null)[]) =>
    `ARRAY[${values.map((v) => (v === null ? 'NULL' : pg.escapeLiteral(v))).join(', ')}]::text[]`;
  const steps = events.map((e) => ('step' in e && typeof e.step === 'string' ? e.step : null));
  return `SELECT wave_seal(${lock}, ${pg.escapeLiteral(origin)}, ${pg.escapeLiteral(channel)},
  ${array(events.map((e) => e.run_id))}, ${array(events.map((e) => e.type))},
  ${array(steps)}, ${array(jsons)}, ${array(finished)}) AS base;
COMMIT`;
}

/** The seq before the first sealed event, from the closing script's results. */
export function sealedBase(results: readonly pg.QueryResult[]): number {
  const base = (results[results.length - 2]?.rows[0] as { base?: unknown } | undefined)?.base;
  if (typeof base !== 'number' || !Number.isSafeInteger(base)) {
    throw new Error(`the sealing script answered no seq (${String(base)})`);
  }
  return base;
}
