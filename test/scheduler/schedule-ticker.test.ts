import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadProject } from '../../src/config/load-project.js';
import { silentLogger } from '../../src/logger.js';
import type { Clock } from '../../src/scheduler/clock.js';
import { POLL_MS, UNFIRED_GRACE_MS } from '../../src/scheduler/schedule-ticker.js';
import { createContext, type WaveContext } from '../../src/service/context.js';
import type { ScheduleInput } from '../../src/service/schedule-service.js';
import { eventually } from '../helpers/eventually.js';
import { tempProject, yaml } from '../helpers/tmp.js';

/** Time moves only when the test says so; timers are recorded and fire only when the test fires them. */
class FakeClock implements Clock {
  readonly timers: { fn: () => void; ms: number }[] = [];
  constructor(public t: number) {}
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => this.timers.push({ fn, ms });
  clearTimeout = () => {};
  set(iso: string) {
    this.t = Date.parse(iso);
  }
}

const PIPELINE = {
  '.wave/pipelines/nightly.yaml': yaml`
    kind: WavePipeline
    steps:
      - id: only
        type: command
        script: echo hi
  `,
};

const contexts: WaveContext[] = [];
afterEach(async () => {
  for (const c of contexts.splice(0)) await c.close();
});

/** A process's context on a temp project (or `root`), on the fake clock; its scheduler never starts. */
async function context(clock: FakeClock, root = tempProject(PIPELINE)) {
  const project = loadProject({ cwd: root, env: {}, flags: {} });
  const ctx = await createContext(project, silentLogger, {
    clock,
    storePath: join(root, '.wave', 'state.db'),
  });
  contexts.push(ctx);
  return { ctx, root };
}

async function scheduleRuns(ctx: WaveContext, name: string) {
  return (await ctx.runs.list({ labels: { schedule: name }, limit: 200 })).runs;
}

/** Ticks at each step from `from` to `to`; returns the clock times at which runs were created. */
async function tickThrough(
  ctx: WaveContext,
  clock: FakeClock,
  name: string,
  from: string,
  to: string,
  stepMs: number,
) {
  const fired: string[] = [];
  for (let t = Date.parse(from); t <= Date.parse(to); t += stepMs) {
    clock.t = t;
    const before = (await scheduleRuns(ctx, name)).length;
    await ctx.scheduleTicker.tick();
    const after = (await scheduleRuns(ctx, name)).length;
    for (let i = before; i < after; i++) fired.push(new Date(t).toISOString());
  }
  return fired;
}

const base: Omit<ScheduleInput, 'name'> = { pipeline: 'nightly', overlap: 'queue' };

describe('schedule ticker on a fake clock', () => {
  it('crosses the March DST change in Europe/Berlin: 09:00 local is 08:00Z, then 07:00Z', async () => {
    const clock = new FakeClock(Date.parse('2026-03-27T12:00:00Z'));
    const { ctx } = await context(clock);
    await ctx.schedules.create({
      ...base,
      name: 'cron-berlin',
      cron: '0 9 * * *',
      timezone: 'Europe/Berlin',
    });
    await ctx.schedules.create({
      ...base,
      name: 'rrule-berlin',
      rrule: 'FREQ=DAILY;BYHOUR=2;BYMINUTE=30',
      timezone: 'Europe/Berlin',
    });
    const halfHour = 30 * 60 * 1000;
    const fired = { cron: [] as string[], rrule: [] as string[] };
    for (let t = clock.t; t <= Date.parse('2026-03-30T12:00:00Z'); t += halfHour) {
      clock.t = t;
      const [c0, r0] = [
        (await scheduleRuns(ctx, 'cron-berlin')).length,
        (await scheduleRuns(ctx, 'rrule-berlin')).length,
      ];
      await ctx.scheduleTicker.tick();
      if ((await scheduleRuns(ctx, 'cron-berlin')).length > c0) fired.cron.push(new Date(t).toISOString());
      if ((await scheduleRuns(ctx, 'rrule-berlin')).length > r0) fired.rrule.push(new Date(t).toISOString());
    }
    expect(fired.cron).toEqual([
      '2026-03-28T08:00:00.000Z',
      '2026-03-29T07:00:00.000Z',
      '2026-03-30T07:00:00.000Z',
    ]);
    // 02:30 does not exist on the 29th: it fires at 03:30 CEST (01:30Z), once.
    expect(fired.rrule).toEqual([
      '2026-03-28T01:30:00.000Z',
      '2026-03-29T01:30:00.000Z',
      '2026-03-30T00:30:00.000Z',
    ]);
    const [run] = await scheduleRuns(ctx, 'cron-berlin');
    expect(run!.trigger).toEqual({ source: 'schedule', actor: 'cron-berlin' });
    expect(run!.labels).toMatchObject({ schedule: 'cron-berlin' });
    const view = (await ctx.schedules.list()).find((s) => s.name === 'cron-berlin')!;
    expect(view.last_run).toMatchObject({ run_id: expect.any(String), status: 'queued' });
    expect(view.next_run_at).toBe('2026-03-31T07:00:00.000Z');
  });

  it('overlap skip: no new run while the last one is active; queue: one per slot', async () => {
    const clock = new FakeClock(Date.parse('2026-05-01T00:00:30Z'));
    const { ctx } = await context(clock);
    await ctx.schedules.create({ pipeline: 'nightly', name: 'skipper', cron: '* * * * *' });
    await ctx.schedules.create({ pipeline: 'nightly', name: 'queuer', cron: '* * * * *', overlap: 'queue' });
    // No scheduler runs here: every run stays queued, i.e. active.
    const skip = await tickThrough(
      ctx,
      clock,
      'skipper',
      '2026-05-01T00:01:00Z',
      '2026-05-01T00:04:00Z',
      60_000,
    );
    expect(skip).toEqual(['2026-05-01T00:01:00.000Z']);
    expect(await scheduleRuns(ctx, 'queuer')).toHaveLength(4);
    // Once the active run ends, the next slot fires again.
    const [active] = await scheduleRuns(ctx, 'skipper');
    await ctx.runs.cancel(active!.id, null);
    clock.set('2026-05-01T00:05:00Z');
    await ctx.scheduleTicker.tick();
    expect(await scheduleRuns(ctx, 'skipper')).toHaveLength(2);
  });

  it('a slot claimed by a server that died before creating its run gets its run once, after the grace', async () => {
    const clock = new FakeClock(Date.parse('2026-05-01T00:00:30Z'));
    const { ctx } = await context(clock);
    const lost = await ctx.schedules.create({ ...base, name: 'lost', cron: '0 * * * *' });
    const half = await ctx.schedules.create({ ...base, name: 'half', cron: '0 * * * *' });
    const slot = Date.parse('2026-05-01T01:00:00Z');
    const dead = 'gone-host:999999';
    // What a crash leaves: "lost" was claimed and nothing more; "half" got its run created
    // (under the slot's key) but the slot never learnt of it.
    await ctx.store.schedules.claimSlot(lost.id, slot, dead, slot);
    await ctx.store.schedules.claimSlot(half.id, slot, dead, slot);
    await ctx.runs.submit({
      pipeline: 'nightly',
      input: null,
      labels: { schedule: 'half' },
      trigger: { source: 'schedule', actor: 'half' },
      mode: 'server',
      idempotencyKey: `schedule:${half.id}:${slot}`,
    });
    clock.set('2026-05-01T01:00:10Z');
    await ctx.scheduleTicker.tick();
    expect(await scheduleRuns(ctx, 'lost')).toHaveLength(0); // within the grace: its server may be at it
    clock.t = slot + UNFIRED_GRACE_MS + 1_000;
    await ctx.scheduleTicker.tick();
    await ctx.scheduleTicker.tick();
    expect(await scheduleRuns(ctx, 'lost')).toHaveLength(1);
    const halfRuns = await scheduleRuns(ctx, 'half');
    expect(halfRuns).toHaveLength(1);
    expect((await ctx.schedules.require(half.id)).lastRun?.runId).toBe(halfRuns[0]!.id);
    expect(await ctx.store.schedules.unfiredSlots(clock.now())).toEqual([]);
  });

  it('catch_up skip drops slots missed while no server ran; catch_up one runs once for all of them', async () => {
    const clock = new FakeClock(Date.parse('2026-05-01T00:00:00Z'));
    const { ctx } = await context(clock);
    await ctx.schedules.create({ ...base, name: 'dropper', cron: '*/5 * * * *' });
    await ctx.schedules.create({ ...base, name: 'catcher', cron: '*/5 * * * *', catch_up: 'one' });
    // The server was down for an hour: twelve slots passed.
    clock.set('2026-05-01T01:02:00Z');
    await ctx.scheduleTicker.tick();
    await ctx.scheduleTicker.tick();
    expect(await scheduleRuns(ctx, 'dropper')).toHaveLength(0);
    expect(await scheduleRuns(ctx, 'catcher')).toHaveLength(1);
    // Then both follow the timetable again.
    clock.set('2026-05-01T01:05:00Z');
    await ctx.scheduleTicker.tick();
    expect(await scheduleRuns(ctx, 'dropper')).toHaveLength(1);
    expect(await scheduleRuns(ctx, 'catcher')).toHaveLength(2);
  });

  it('a paused schedule fires nothing, and resuming does not run the slots of the pause', async () => {
    const clock = new FakeClock(Date.parse('2026-05-01T00:00:00Z'));
    const { ctx } = await context(clock);
    const s = await ctx.schedules.create({ ...base, name: 'pausable', cron: '* * * * *', catch_up: 'one' });
    await ctx.schedules.setPaused(s.id, true);
    expect((await ctx.schedules.list())[0]!.next_run_at).toBeNull();
    const paused = await tickThrough(
      ctx,
      clock,
      'pausable',
      '2026-05-01T00:01:00Z',
      '2026-05-01T00:10:00Z',
      60_000,
    );
    expect(paused).toEqual([]);
    clock.set('2026-05-01T00:10:30Z');
    await ctx.schedules.setPaused(s.id, false);
    await ctx.scheduleTicker.tick();
    expect(await scheduleRuns(ctx, 'pausable')).toHaveLength(0);
    clock.set('2026-05-01T00:11:00Z');
    await ctx.scheduleTicker.tick();
    expect(await scheduleRuns(ctx, 'pausable')).toHaveLength(1);
  });

  it('two processes on one store, ticking the same slots, create one run per slot', async () => {
    const clock = new FakeClock(Date.parse('2026-05-01T00:00:00Z'));
    const { ctx: a, root } = await context(clock);
    const { ctx: b } = await context(clock, root);
    expect(a.owner).not.toBe(b.owner);
    await a.schedules.create({ ...base, name: 'shared', cron: '* * * * *' });
    for (let m = 1; m <= 5; m++) {
      clock.t = Date.parse('2026-05-01T00:00:00Z') + m * 60_000;
      await Promise.all([a.scheduleTicker.tick(), b.scheduleTicker.tick(), a.scheduleTicker.tick()]);
    }
    const runs = await scheduleRuns(a, 'shared');
    expect(runs).toHaveLength(5);
  });

  it('run now starts a run regardless of the timetable, with the trigger and label of a slot run', async () => {
    const clock = new FakeClock(Date.parse('2026-05-01T00:00:00Z'));
    const { ctx } = await context(clock);
    const s = await ctx.schedules.create({
      ...base,
      name: 'yearly',
      cron: '0 0 1 1 *',
      input: 'hello',
      labels: { team: 'a' },
    });
    const run = await ctx.schedules.runNow(s.id);
    expect(run.trigger).toEqual({ source: 'schedule', actor: 'yearly' });
    expect(run.labels).toEqual({ team: 'a', schedule: 'yearly' });
    expect(run.input).toBe('hello');
    expect((await ctx.schedules.list())[0]!.last_run?.run_id).toBe(run.id);
  });
});

describe('schedule ticker timers', () => {
  it('sleeps until the next slot, at most POLL_MS, and stops cleanly', async () => {
    const clock = new FakeClock(Date.parse('2026-05-01T00:00:00.250Z'));
    const { ctx } = await context(clock);
    await ctx.schedules.create({ ...base, name: 'every-second', cron: '* * * * * *' });
    ctx.scheduleTicker.start();
    await eventually(() => clock.timers.length >= 1, 10_000, 'the first timer');
    // The next slot is 750 ms away: the ticker wakes for it, not at the next poll.
    expect(clock.timers.at(-1)?.ms).toBe(750);
    clock.set('2026-05-01T00:00:01Z');
    clock.timers.at(-1)?.fn();
    await eventually(() => clock.timers.length >= 2, 10_000, 'the second timer');
    expect(await scheduleRuns(ctx, 'every-second')).toHaveLength(1);
    expect(clock.timers.at(-1)?.ms).toBe(1000);
    await ctx.scheduleTicker.stop();
    // A schedule far away still gets a look every POLL_MS (others may have been created).
    await ctx.schedules.remove('every-second');
    await ctx.schedules.create({ ...base, name: 'yearly', cron: '0 0 1 1 *' });
    ctx.scheduleTicker.start();
    await eventually(() => clock.timers.length >= 3, 10_000, 'the third timer');
    expect(clock.timers.at(-1)?.ms).toBe(POLL_MS);
    await ctx.scheduleTicker.stop();
  });
});
