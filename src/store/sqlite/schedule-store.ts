import type { NewSchedule, SchedulePatch, ScheduleRecord, ScheduleStore } from '../schedule-records.js';
import { PATCH_COLUMNS, type ScheduleRow, SELECT_SCHEDULES as SELECT, toSchedule } from '../schedule-rows.js';
import type { Db } from './open-database.js';
import { storeError } from './open-database.js';

/** Schedules on SQLite: every write is one `BEGIN IMMEDIATE` transaction, like the rest of the store. */
export class SqliteScheduleStore implements ScheduleStore {
  private readonly tx: (fn: () => unknown) => unknown;
  private readonly s;

  constructor(
    private readonly db: Db,
    private readonly location: string,
  ) {
    const t = db.transaction((fn: () => unknown) => fn());
    this.tx = (fn) => t.immediate(fn);
    this.s = {
      all: db.prepare(`${SELECT} ORDER BY s.name`),
      byId: db.prepare(`${SELECT} WHERE s.id = ?`),
      byName: db.prepare(`${SELECT} WHERE s.name = ?`),
      insert: db.prepare(
        `INSERT INTO schedules (id, name, pipeline, input, labels, cron, rrule, timezone, overlap, catch_up, paused, source, considered_until, created_at)
         VALUES (@id, @name, @pipeline, @input, @labels, @cron, @rrule, @timezone, @overlap, @catch_up, @paused, @source, @considered_until, @created_at)
         ON CONFLICT (name) DO NOTHING`,
      ),
      delete: db.prepare('DELETE FROM schedules WHERE id = ?'),
      deleteSlots: db.prepare('DELETE FROM schedule_slots WHERE schedule_id = ?'),
      setPaused: db.prepare(
        'UPDATE schedules SET paused = ?, considered_until = MAX(considered_until, ?) WHERE id = ?',
      ),
      claim: db.prepare(
        'INSERT INTO schedule_slots (schedule_id, slot_at, claimed_by, claimed_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
      ),
      consider: db.prepare('UPDATE schedules SET considered_until = MAX(considered_until, ?) WHERE id = ?'),
      slotRun: db.prepare('UPDATE schedule_slots SET run_id = ? WHERE schedule_id = ? AND slot_at = ?'),
      lastRun: db.prepare('UPDATE schedules SET last_run_id = ?, last_run_at = ? WHERE id = ?'),
      forgetSlots: db.prepare('DELETE FROM schedule_slots WHERE slot_at < ?'),
      skipSlot: db.prepare('UPDATE schedule_slots SET skipped = 1 WHERE schedule_id = ? AND slot_at = ?'),
      unfired: db.prepare(
        'SELECT schedule_id, slot_at FROM schedule_slots WHERE run_id IS NULL AND skipped = 0 AND claimed_at < ? ORDER BY slot_at',
      ),
      configNames: db.prepare(`SELECT id, name FROM schedules WHERE source = 'config'`),
      toConfig: db.prepare(
        `UPDATE schedules SET source = 'config', pipeline = @pipeline, input = @input, labels = @labels, cron = @cron, rrule = @rrule,
           timezone = @timezone, overlap = @overlap, catch_up = @catch_up,
           considered_until = CASE WHEN cron IS @cron AND rrule IS @rrule AND timezone = @timezone THEN considered_until ELSE MAX(considered_until, @now) END
         WHERE name = @name`,
      ),
    };
  }

  private write<T>(fn: () => T): Promise<T> {
    try {
      return Promise.resolve(this.tx(fn) as T);
    } catch (err) {
      return Promise.reject(storeError(this.location, err));
    }
  }

  private read<T>(fn: () => T): Promise<T> {
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(storeError(this.location, err));
    }
  }

  private row(id: string): ScheduleRecord | null {
    const row = this.s.byId.get(id) as ScheduleRow | undefined;
    return row ? toSchedule(row) : null;
  }

  list(): Promise<ScheduleRecord[]> {
    return this.read(() => (this.s.all.all() as ScheduleRow[]).map(toSchedule));
  }

  get(id: string): Promise<ScheduleRecord | null> {
    return this.read(() => this.row(id));
  }

  getByName(name: string): Promise<ScheduleRecord | null> {
    return this.read(() => {
      const row = this.s.byName.get(name) as ScheduleRow | undefined;
      return row ? toSchedule(row) : null;
    });
  }

  create(schedule: NewSchedule, now: number): Promise<ScheduleRecord | null> {
    return this.write(() => {
      const inserted = this.s.insert.run(this.insertParams(schedule, now));
      return inserted.changes ? this.row(schedule.id) : null;
    });
  }

  private insertParams(schedule: NewSchedule, now: number) {
    return {
      id: schedule.id,
      name: schedule.name,
      pipeline: schedule.pipeline,
      input: schedule.input,
      labels: JSON.stringify(schedule.labels),
      cron: schedule.cron,
      rrule: schedule.rrule,
      timezone: schedule.timezone,
      overlap: schedule.overlap,
      catch_up: schedule.catchUp,
      paused: schedule.paused ? 1 : 0,
      source: schedule.source,
      considered_until: now,
      created_at: schedule.createdAt,
    };
  }

  update(id: string, patch: SchedulePatch, now: number): Promise<ScheduleRecord | null> {
    return this.write(() => {
      const sets: string[] = [];
      const values: unknown[] = [];
      for (const [key, value] of Object.entries(patch) as [keyof SchedulePatch, unknown][]) {
        if (value === undefined) continue;
        sets.push(`${PATCH_COLUMNS[key]} = ?`);
        values.push(key === 'labels' ? JSON.stringify(value) : value);
      }
      if (patch.cron !== undefined || patch.rrule !== undefined || patch.timezone !== undefined) {
        sets.push('considered_until = MAX(considered_until, ?)');
        values.push(now);
      }
      if (sets.length)
        this.db.prepare(`UPDATE schedules SET ${sets.join(', ')} WHERE id = ?`).run(...values, id);
      return this.row(id);
    });
  }

  delete(id: string): Promise<boolean> {
    return this.write(() => {
      this.s.deleteSlots.run(id);
      return this.s.delete.run(id).changes > 0;
    });
  }

  setPaused(id: string, paused: boolean, now: number): Promise<ScheduleRecord | null> {
    return this.write(() => {
      // Pausing keeps the mark; resuming moves it to now, so the paused time owes nothing.
      this.s.setPaused.run(paused ? 1 : 0, paused ? 0 : now, id);
      return this.row(id);
    });
  }

  syncConfig(declared: NewSchedule[], now: number): Promise<void> {
    return this.write(() => {
      const names = new Set(declared.map((d) => d.name));
      for (const { id, name } of this.s.configNames.all() as { id: string; name: string }[]) {
        if (!names.has(name)) {
          this.s.deleteSlots.run(id);
          this.s.delete.run(id);
        }
      }
      for (const d of declared) {
        const params = this.insertParams(d, now);
        if (this.s.insert.run(params).changes === 0) this.s.toConfig.run({ ...params, now });
      }
    });
  }

  claimSlot(id: string, slotAt: number, owner: string, until: number): Promise<boolean> {
    return this.write(() => {
      const claimed = this.s.claim.run(id, slotAt, owner, until).changes === 1;
      this.s.consider.run(until, id);
      return claimed;
    });
  }

  consider(id: string, until: number): Promise<void> {
    return this.write(() => {
      this.s.consider.run(until, id);
    });
  }

  recordRun(id: string, slotAt: number | null, runId: string, at: number): Promise<void> {
    return this.write(() => {
      if (slotAt !== null) this.s.slotRun.run(runId, id, slotAt);
      this.s.lastRun.run(runId, at, id);
    });
  }

  skipSlot(id: string, slotAt: number): Promise<void> {
    return this.write(() => {
      this.s.skipSlot.run(id, slotAt);
    });
  }

  unfiredSlots(claimedBefore: number): Promise<{ scheduleId: string; slotAt: number }[]> {
    return this.read(() =>
      (this.s.unfired.all(claimedBefore) as { schedule_id: string; slot_at: number }[]).map((r) => ({
        scheduleId: r.schedule_id,
        slotAt: r.slot_at,
      })),
    );
  }

  forgetSlots(before: number): Promise<void> {
    return this.write(() => {
      this.s.forgetSlots.run(before);
    });
  }
}
