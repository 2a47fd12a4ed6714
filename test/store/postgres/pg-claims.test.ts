import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../../src/store/records.js';
import { pgStores } from '../../helpers/pg-store.js';
import { draft, newRun } from '../../helpers/store.js';

const openStore = pgStores();

describe('PostgreSQL claims under concurrency', () => {
  it('workers racing for runs never exceed their cap or the global cap, and no run is claimed twice', async () => {
    const path = 'shared';
    const workers = Array.from({ length: 4 }, (_, i) => openStore({ path, origin: `w${i}` }));
    const ids: string[] = [];
    for (let i = 0; i < 24; i++) ids.push((await workers[0]!.createRun(newRun())).run.id);

    const claimed = new Map<string, string>();
    /** Each worker claims (and starts) as fast as it can until it gets nothing. */
    const race = () =>
      Promise.all(
        workers.map(async (w, i) => {
          const owner = `w${i}`;
          for (;;) {
            const run: RunRecord | null = await w.claimNextRun(owner, 60_000, 3, 5);
            if (!run) return;
            expect(claimed.has(run.id)).toBe(false);
            claimed.set(run.id, owner);
            await w.append(run.id, [draft.runStarted(run.id)]);
          }
        }),
      );
    const held = async () => {
      const counts = new Map<string, number>();
      for (const id of ids) {
        const run = await workers[0]!.getRun(id);
        if (run?.status === 'running') counts.set(run.owner!, (counts.get(run.owner!) ?? 0) + 1);
      }
      return counts;
    };

    await race();
    // FIFO: the five oldest, whoever got them; no worker above 3.
    expect([...claimed.keys()].sort()).toEqual(ids.slice(0, 5).sort());
    for (const n of (await held()).values()) expect(n).toBeLessThanOrEqual(3);

    // Two finish: exactly two more are claimed, the next two in line.
    for (const id of ids.slice(0, 2)) await workers[1]!.append(id, [draft.runCompleted(id)]);
    await race();
    expect([...claimed.keys()].sort()).toEqual(ids.slice(0, 7).sort());
    const counts = await held();
    expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(5);
    for (const n of counts.values()) expect(n).toBeLessThanOrEqual(3);
  });
});
