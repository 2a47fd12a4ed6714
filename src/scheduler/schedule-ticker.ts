import type { Logger } from '../logger.js';
import type { ScheduleRecord, ScheduleStore } from '../store/store.js';
import type { Clock } from './clock.js';
import { dueSlot } from './due-slot.js';
import { compileTimetable } from './timetable.js';

/** How often schedules are read again (ones another server created, paused or deleted). */
export const POLL_MS = 2_000;
/** Slot rows are history after this long. */
const SLOT_HISTORY_MS = 7 * 24 * 60 * 60 * 1000;
/**
 * A claimed slot with no run after this long was claimed by a server that died (or failed) before
 * its run was created: any server fires it again. The slot's run is created under an idempotency
 * key of the schedule and slot, so a slot whose run did get created is never run twice.
 */
export const UNFIRED_GRACE_MS = 30_000;
/** A last run in one of these holds back the next slot under `overlap: skip` (a pruned run does not). */
const ACTIVE = new Set(['queued', 'running', 'waiting']);

export interface ScheduleTickerDeps {
  schedules: ScheduleStore;
  /** Starts the run of a claimed slot. */
  fire(schedule: ScheduleRecord, slotAt: number): Promise<void>;
  /** This process, as it claims slots. */
  owner: string;
  clock: Clock;
  logger: Logger;
}

/**
 * Fires schedules' slots in `wave serve`: wakes at the next slot (or every POLL_MS), claims each
 * due slot in the store (one server wins each) and starts its run, unless `overlap: skip` and
 * the schedule's last run is still active.
 */
export class ScheduleTicker {
  private timer: unknown = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  private lastForget = 0;

  constructor(private readonly deps: ScheduleTickerDeps) {}

  start(): void {
    this.stopped = false;
    this.wake();
  }

  /** Looks again now (a schedule was created or changed here). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer !== null) this.deps.clock.clearTimeout(this.timer);
    this.timer = null;
    this.running = this.loop();
  }

  private async loop(): Promise<void> {
    let next: number | null = null;
    do {
      this.again = false;
      try {
        next = await this.tick();
      } catch (err) {
        this.deps.logger.error({ err }, 'schedules: tick failed');
        next = null;
      }
    } while (this.again && !this.stopped);
    this.running = null;
    if (this.stopped) return;
    const now = this.deps.clock.now();
    const delay = Math.min(POLL_MS, Math.max(0, (next ?? Number.POSITIVE_INFINITY) - now));
    this.timer = this.deps.clock.setTimeout(() => {
      this.timer = null;
      this.wake();
    }, delay);
  }

  /** One pass over every schedule; returns when the next slot falls (null: none known). */
  async tick(): Promise<number | null> {
    const { schedules, clock, logger } = this.deps;
    const now = clock.now();
    let soonest: number | null = null;
    const all = await schedules.list();
    await this.fireUnfired(all, now);
    for (const schedule of all) {
      if (schedule.paused) continue;
      const log = logger.child({ schedule: schedule.name });
      let timetable: ReturnType<typeof compileTimetable>;
      try {
        timetable = compileTimetable(schedule);
      } catch (err) {
        log.error({ err }, 'schedule has an invalid timetable');
        continue;
      }
      const decision = dueSlot(schedule, timetable, now);
      if (decision.kind === 'drop') {
        log.info(
          { missed_from: new Date(decision.first).toISOString() },
          'missed slots dropped (catch_up: skip)',
        );
        await schedules.consider(schedule.id, now);
      } else if (decision.kind === 'fire') {
        await this.fireOnce(schedule, decision.slot, now, log);
      }
      const upcoming = decision.kind === 'wait' ? decision.next : timetable.next(now);
      if (upcoming !== null && (soonest === null || upcoming < soonest)) soonest = upcoming;
    }
    if (now - this.lastForget > 60 * 60 * 1000) {
      this.lastForget = now;
      await schedules.forgetSlots(now - SLOT_HISTORY_MS);
    }
    return soonest;
  }

  private async fireOnce(schedule: ScheduleRecord, slot: number, now: number, log: Logger): Promise<void> {
    if (!(await this.deps.schedules.claimSlot(schedule.id, slot, this.deps.owner, now))) return;
    const at = new Date(slot).toISOString();
    const last = schedule.lastRun;
    if (schedule.overlap === 'skip' && last && ACTIVE.has(last.status)) {
      log.info(
        { slot: at, active_run: last.runId },
        'slot skipped: the last run is still active (overlap: skip)',
      );
      await this.deps.schedules.skipSlot(schedule.id, slot);
      return;
    }
    try {
      await this.deps.fire(schedule, slot);
    } catch (err) {
      log.error({ err, slot: at }, 'scheduled run could not be created');
    }
  }

  /** Slots claimed but never run (their server died in between): their runs are owed. */
  private async fireUnfired(all: ScheduleRecord[], now: number): Promise<void> {
    const unfired = await this.deps.schedules.unfiredSlots(now - UNFIRED_GRACE_MS);
    for (const { scheduleId, slotAt } of unfired) {
      const schedule = all.find((s) => s.id === scheduleId);
      if (!schedule) continue;
      const at = new Date(slotAt).toISOString();
      this.deps.logger.warn(
        { schedule: schedule.name, slot: at },
        'slot claimed but never run: running it now',
      );
      try {
        await this.deps.fire(schedule, slotAt);
      } catch (err) {
        // Not retried: a slot that cannot get its run is marked so, or it would be tried every pass.
        this.deps.logger.error(
          { err, schedule: schedule.name, slot: at },
          'scheduled run could not be created',
        );
        await this.deps.schedules.skipSlot(schedule.id, slotAt);
      }
    }
  }

  /** Stops the timer and waits for a pass under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) this.deps.clock.clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }
}
