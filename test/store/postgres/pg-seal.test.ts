import { afterEach, describe, expect, it } from 'vitest';
import type { WaveEvent } from '../../../src/events/catalogue.js';
import { SEALED_EVENTS_MAX } from '../../../src/store/postgres/pg-seal.js';
import { PostgresStore } from '../../../src/store/postgres/postgres-store.js';
import { pgDatabase } from '../../helpers/pg.js';
import { draft, newRun } from '../../helpers/store.js';

const stores: PostgresStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

/** Content that a literal in a script must survive: quotes, backslashes, dollars, non-ASCII, escapes. */
const AWKWARD = [
  `it's "quoted"`,
  'C:\\path\\to\\file \\n not a newline',
  '$$ dollar $1 quoting $$',
  'naïve — ünïcödé 🚀 字',
  'nul \u0000 and tab \t and newline \n',
  "'; DROP TABLE events; --",
];

/** Every stored row: its column seq, and the seq and content inside its JSON. */
async function storedRows(store: PostgresStore, runId: string) {
  const rows = await store.readEvents({ runId, afterSeq: 0, limit: 1_000_000 });
  return rows.map((r) => ({ column: r.seq, event: JSON.parse(r.json) as WaveEvent }));
}

describe('PostgreSQL events numbered by the closing script', () => {
  it('stores awkward content verbatim, with the seq of its row inside its JSON, as append returned it', async () => {
    const store = new PostgresStore({ url: await pgDatabase(), origin: 'seal', poolMax: 2 });
    stores.push(store);
    const { run } = await store.createRun(newRun());
    const appended = await store.append(run.id, [
      draft.stepStarted(run.id, 'build'),
      ...AWKWARD.map((text) => draft.line(run.id, 'build', text)),
    ]);
    const rows = await storedRows(store, run.id);
    const ours = rows.slice(-appended.length);
    expect(ours.map((r) => r.event)).toEqual(appended);
    for (const r of rows) expect(r.event.seq).toBe(r.column);
    expect(ours.slice(1).map((r) => (r.event as { content?: string }).content)).toEqual(AWKWARD);
    const seqs = rows.map((r) => r.column);
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
  });

  it('numbers a burst past the script limit and small writes around it in one unbroken order', async () => {
    const store = new PostgresStore({ url: await pgDatabase(), origin: 'seal', poolMax: 4 });
    stores.push(store);
    const { run } = await store.createRun(newRun());
    const burst = Array.from({ length: SEALED_EVENTS_MAX + 5 }, (_, i) =>
      draft.line(run.id, 'build', `b${i}`),
    );
    const written = await Promise.all([
      store.append(run.id, [draft.line(run.id, 'build', 'small 1')]),
      store.append(run.id, burst),
      store.append(run.id, [draft.line(run.id, 'build', 'small 2')]),
    ]);
    const rows = await storedRows(store, run.id);
    for (const r of rows) expect(r.event.seq).toBe(r.column);
    const seqs = rows.map((r) => r.column);
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
    const bySeq = new Map(rows.map((r) => [r.column, r.event]));
    for (const event of written.flat()) expect(bySeq.get(event.seq)).toEqual(event);
  });
});
