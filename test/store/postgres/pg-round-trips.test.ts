import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pgStores } from '../../helpers/pg-store.js';
import { draft, newRun } from '../../helpers/store.js';

// What a run costs in round trips to PostgreSQL is most of what the orchestrator adds to the
// steps it runs (bench/pg-scheduler.mjs): each write here has a budget, checked by counting the
// messages every client of this process sends.
const openPg = pgStores();
let sent: string[] = [];
const original = pg.Client.prototype.query;

beforeEach(() => {
  sent = [];
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const first = args[0] as string | { text: string };
    sent.push(typeof first === 'string' ? first : first.text);
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof pg.Client.prototype.query;
});
afterEach(() => {
  pg.Client.prototype.query = original;
});

/** Round trips `fn` takes (the listener's own LISTEN excluded). */
async function roundTrips(fn: () => Promise<unknown>): Promise<string[]> {
  sent = [];
  await fn();
  return sent.filter((q) => !q.startsWith('LISTEN'));
}

describe('round trips per run on PostgreSQL', () => {
  it('creating a run is two round trips; claiming it with its snapshot one; each event write one, its end too', async () => {
    const store = openPg();
    await store.ready();
    const spec = newRun({ mode: 'server' });
    let runId = '';
    expect(
      await roundTrips(async () => {
        runId = (await store.createRun(spec)).run.id;
      }),
    ).toHaveLength(2);
    expect(
      await roundTrips(async () => {
        const claimed = await store.claimNextRun('me', 30_000, 5);
        expect(claimed?.id).toBe(runId);
        expect(await store.getRunSpec(runId)).toEqual(spec.spec);
      }),
    ).toHaveLength(1);
    for (const drafts of [
      [draft.runStarted(runId)],
      [draft.stepStarted(runId, 'build')],
      [draft.line(runId, 'build', 'out'), draft.stepCompleted(runId, 'build', 5)],
    ])
      expect(await roundTrips(() => store.append(runId, drafts))).toHaveLength(1);
    // The end too: whether it ended the run is decided by the rollup, under the seq lock.
    expect(await roundTrips(() => store.append(runId, [draft.runCompleted(runId)]))).toHaveLength(1);
    expect((await store.getRun(runId))?.status).toBe('completed');
    expect((await store.listSteps(runId))[0]).toMatchObject({ status: 'completed', durationMs: 5 });
  });
});
