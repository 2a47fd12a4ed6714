import { describe, expect, it } from 'vitest';
import { pgStores } from '../../helpers/pg-store.js';
import { draft, newRun } from '../../helpers/store.js';

const openStore = pgStores();

describe('PostgreSQL: seq is commit order', () => {
  it('a reader tailing by seq never skips an event while 8 writers append at once', async () => {
    const path = 'shared';
    const writers = Array.from({ length: 8 }, (_, i) => openStore({ path, origin: `writer-${i}` }));
    const reader = openStore({ path, origin: 'reader' });
    const runs = await Promise.all(writers.map(async (w) => (await w.createRun(newRun())).run.id));

    const BATCHES = 40;
    let writing = true;
    const written = Promise.all(
      writers.map(async (w, i) => {
        const runId = runs[i]!;
        for (let b = 0; b < BATCHES; b++) {
          // Batches of 1 to 3 events: transactions of different lengths overlap.
          const lines = Array.from({ length: (b % 3) + 1 }, (_, k) =>
            draft.line(runId, 'build', `${b}.${k}`),
          );
          await w.append(runId, lines);
        }
      }),
    ).finally(() => {
      writing = false;
    });

    // The tail: every page must continue exactly where the last one ended.
    let last = 0;
    const seen: number[] = [];
    const deadline = Date.now() + 120_000;
    while (writing || last < (await reader.lastSeq())) {
      expect(Date.now()).toBeLessThan(deadline);
      const page = await reader.readEvents({ afterSeq: last, limit: 50 });
      for (const row of page) {
        expect(row.seq).toBe(last + 1);
        last = row.seq;
        seen.push(row.seq);
      }
    }
    await written;
    let perWriter = 0;
    for (let b = 0; b < BATCHES; b++) perWriter += (b % 3) + 1;
    const total = runs.length + writers.length * perWriter;
    expect(seen).toHaveLength(total);
    expect(last).toBe(await reader.lastSeq());
  });
});
