import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import type { Clock } from '../../src/scheduler/clock.js';
import { ScheduleTicker, UNFIRED_GRACE_MS } from '../../src/scheduler/schedule-ticker.js';
import type { ScheduleRecord } from '../../src/store/store.js';
import { pgStores } from '../helpers/pg-store.js';
import { newRun } from '../helpers/store.js';

const openStore = pgStores();
const T0 = Date.parse('2026-05-01T00:00:00Z');
const HOUR = 3_600_000;

/** Time moves only when the test moves it; the tickers are ticked by hand. */
class HandClock implements Clock {
  t = T0;
  now = () => this.t;
  setTimeout = () => 0;
  clearTimeout = () => {};
}
const clock = new HandClock();

interface Fired {
  owner: string;
  slot: number;
  runId: string;
}

/**
 * A server's ticker on its own PostgresStore. `fire` does what the schedule service does: it
 * creates the slot's run under the slot's idempotency key (a slot fired twice gets one run) and
 * records it; `fired` lists the runs actually created.
 */
function server(owner: string, fired: Fired[], fail = () => false) {
  const store = openStore({ path: 'shared', origin: owner });
  const ticker = new ScheduleTicker({
    schedules: store.schedules,
    owner,
    clock,
    logger: silentLogger,
    fire: async (schedule: ScheduleRecord, slot: number) => {
      if (fail()) throw new Error(`${owner} died before creating the run`);
      const { run, created } = await store.createRun(
        newRun({
          idempotency: { key: `schedule:${schedule.id}:${slot}`, actor: schedule.name, fingerprint: 'f' },
        }),
      );
      if (created) fired.push({ owner, slot, runId: run.id });
      await store.schedules.recordRun(schedule.id, slot, run.id, clock.t);
    },
  });
  return { store, ticker };
}

describe('schedule tickers of three servers on one PostgreSQL database', () => {
  it('fire each slot once, whoever ticks first; a slot whose server died is fired by another after the grace', async () => {
    const fired: Fired[] = [];
    let aDies = false;
    const a = server('a', fired, () => aDies);
    const b = server('b', fired);
    const c = server('c', fired);
    await a.store.schedules.create(
      {
        id: 'sch_1',
        name: 'hourly',
        pipeline: 'ship',
        input: null,
        labels: {},
        cron: '0 * * * *',
        rrule: null,
        timezone: 'UTC',
        overlap: 'queue',
        catchUp: 'skip',
        source: 'api',
        createdAt: T0,
      },
      T0,
    );
    for (let h = 1; h <= 12; h++) {
      clock.t = T0 + h * HOUR + 1000;
      await Promise.all([a.ticker.tick(), b.ticker.tick(), c.ticker.tick()]);
    }
    const slots = Array.from({ length: 12 }, (_, i) => T0 + (i + 1) * HOUR);
    expect(fired.map((f) => f.slot).sort((x, y) => x - y)).toEqual(slots);

    // Server a claims the next slot alone, then dies before its run exists.
    aDies = true;
    clock.t = T0 + 13 * HOUR + 1000;
    await a.ticker.tick();
    expect(fired).toHaveLength(12);
    await Promise.all([b.ticker.tick(), c.ticker.tick()]); // already claimed: not theirs yet
    expect(fired).toHaveLength(12);
    clock.t += UNFIRED_GRACE_MS + 1;
    await Promise.all([b.ticker.tick(), c.ticker.tick()]);
    expect(fired.slice(12).map((f) => f.slot)).toEqual([T0 + 13 * HOUR]);
    expect(fired[12]!.owner).not.toBe('a');
    expect((await c.store.schedules.get('sch_1'))?.lastRun?.runId).toBe(fired[12]!.runId);
    expect(await b.store.schedules.unfiredSlots(clock.t)).toEqual([]);
  });
});
