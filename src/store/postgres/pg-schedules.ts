import type { NewSchedule, SchedulePatch, ScheduleRecord, ScheduleStore } from '../schedule-records.js';
import type { PgDb, Queryable } from './pg-db.js';
import { pgGuard } from './pg-guard.js';

interface ScheduleRow {
  id: string;
  name: string;
  pipeline: string;
  input: string | null;
  labels: string;
  cron: string | null;
  rrule: string | null;
  timezone: string;
  overlap: 'skip' | 'queue';
  catch_up: 'skip' | 'one';
  paused: number;
  source: 'api' | 'config';
  considered_until: number;
  last_run_id: string | null;
  last_run_at: number | null;
  last_run_status: string | null;
  created_at: number;
}

const SELECT = `SELECT s.*, r.status AS last_run_status FROM schedules s LEFT JOIN runs r ON r.id = s.last_run_id`;

const INSERT = `INSERT INTO schedules (id, name, pipeline, input, labels, cron, rrule, timezone, overlap, catch_up, paused, source, considered_until, created_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
  ON CONFLICT (name) DO NOTHING`;

/**
 * Config sync is serialized over all servers by this transaction-level advisory lock: servers
 * starting together with different declarations would otherwise insert and delete the same
 * names in different orders and deadlock.
 */
const SYNC_CONFIG_LOCK = 0x57415645_53; // 'WAVE' 'S'

function toSchedule(row: ScheduleRow): ScheduleRecord {
  return {
    id: row.id,
    name: row.name,
    pipeline: row.pipeline,
    input: row.input,
    labels: JSON.parse(row.labels) as Record<string, string>,
    cron: row.cron,
    rrule: row.rrule,
    timezone: row.timezone,
    overlap: row.overlap,
    catchUp: row.catch_up,
    paused: row.paused === 1,
    source: row.source,
    consideredUntil: row.considered_until,
    lastRun:
      row.last_run_id && row.last_run_at !== null
        ? { runId: row.last_run_id, at: row.last_run_at, status: row.last_run_status ?? 'unknown' }
        : null,
    createdAt: row.created_at,
  };
}

const PATCH_COLUMNS: Record<keyof SchedulePatch, string> = {
  name: 'name',
  pipeline: 'pipeline',
  input: 'input',
  labels: 'labels',
  cron: 'cron',
  rrule: 'rrule',
  timezone: 'timezone',
  overlap: 'overlap',
  catchUp: 'catch_up',
};

function insertParams(schedule: NewSchedule, now: number): unknown[] {
  return [
    schedule.id,
    schedule.name,
    schedule.pipeline,
    schedule.input,
    JSON.stringify(schedule.labels),
    schedule.cron,
    schedule.rrule,
    schedule.timezone,
    schedule.overlap,
    schedule.catchUp,
    schedule.paused ? 1 : 0,
    schedule.source,
    now,
    schedule.createdAt,
  ];
}

/**
 * Schedules on PostgreSQL. A slot is claimed by INSERT … ON CONFLICT DO NOTHING on the slot's
 * primary key: a second server inserting the same slot waits for the first to commit and then
 * inserts nothing, so exactly one server fires it.
 */
export class PgScheduleStore implements ScheduleStore {
  constructor(
    private readonly db: PgDb,
    private readonly location: string,
    // The same construction as the other sub-stores; every method here is given its time.
    _now: () => Date,
  ) {}

  private guard<T>(fn: () => Promise<T>): Promise<T> {
    return pgGuard(this.location, fn);
  }

  private async row(q: Queryable, id: string): Promise<ScheduleRecord | null> {
    const { rows } = await q.query<ScheduleRow>(`${SELECT} WHERE s.id = $1`, [id]);
    return rows[0] ? toSchedule(rows[0]) : null;
  }

  list(): Promise<ScheduleRecord[]> {
    return this.guard(async () => {
      // Byte order, as SQLite sorts, whatever the database's locale.
      const { rows } = await this.db.query<ScheduleRow>(`${SELECT} ORDER BY s.name COLLATE "C"`);
      return rows.map(toSchedule);
    });
  }

  get(id: string): Promise<ScheduleRecord | null> {
    return this.guard(() => this.row(this.db, id));
  }

  getByName(name: string): Promise<ScheduleRecord | null> {
    return this.guard(async () => {
      const { rows } = await this.db.query<ScheduleRow>(`${SELECT} WHERE s.name = $1`, [name]);
      return rows[0] ? toSchedule(rows[0]) : null;
    });
  }

  create(schedule: NewSchedule, now: number): Promise<ScheduleRecord | null> {
    return this.guard(async () => {
      const inserted = await this.db.query(INSERT, insertParams(schedule, now));
      return inserted.rowCount ? await this.row(this.db, schedule.id) : null;
    });
  }

  update(id: string, patch: SchedulePatch, now: number): Promise<ScheduleRecord | null> {
    return this.guard(() =>
      this.db.tx(async (c) => {
        const sets: string[] = [];
        const values: unknown[] = [];
        for (const [key, value] of Object.entries(patch) as [keyof SchedulePatch, unknown][]) {
          if (value === undefined) continue;
          values.push(key === 'labels' ? JSON.stringify(value) : value);
          sets.push(`${PATCH_COLUMNS[key]} = $${values.length}`);
        }
        if (patch.cron !== undefined || patch.rrule !== undefined || patch.timezone !== undefined) {
          values.push(now);
          sets.push(`considered_until = GREATEST(considered_until, $${values.length}::bigint)`);
        }
        if (sets.length) {
          values.push(id);
          await c.query(`UPDATE schedules SET ${sets.join(', ')} WHERE id = $${values.length}`, values);
        }
        return await this.row(c, id);
      }),
    );
  }

  delete(id: string): Promise<boolean> {
    return this.guard(() =>
      this.db.tx(async (c) => {
        await c.query('DELETE FROM schedule_slots WHERE schedule_id = $1', [id]);
        const { rowCount } = await c.query('DELETE FROM schedules WHERE id = $1', [id]);
        return (rowCount ?? 0) > 0;
      }),
    );
  }

  setPaused(id: string, paused: boolean, now: number): Promise<ScheduleRecord | null> {
    return this.guard(async () => {
      // Pausing keeps the mark; resuming moves it to now, so the paused time owes nothing.
      const { rows } = await this.db.query<ScheduleRow>(
        `WITH s AS (
           UPDATE schedules SET paused = $1, considered_until = GREATEST(considered_until, $2::bigint)
           WHERE id = $3 RETURNING *)
         SELECT s.*, r.status AS last_run_status FROM s LEFT JOIN runs r ON r.id = s.last_run_id`,
        [paused ? 1 : 0, paused ? 0 : now, id],
      );
      return rows[0] ? toSchedule(rows[0]) : null;
    });
  }

  syncConfig(declared: NewSchedule[], now: number): Promise<void> {
    return this.guard(() =>
      this.db.tx(async (c) => {
        await c.query('SELECT pg_advisory_xact_lock($1)', [SYNC_CONFIG_LOCK]);
        const names = new Set(declared.map((d) => d.name));
        const { rows } = await c.query<{ id: string; name: string }>(
          `SELECT id, name FROM schedules WHERE source = 'config'`,
        );
        const gone = rows.filter((r) => !names.has(r.name)).map((r) => r.id);
        if (gone.length) {
          await c.query('DELETE FROM schedule_slots WHERE schedule_id = ANY($1)', [gone]);
          await c.query('DELETE FROM schedules WHERE id = ANY($1)', [gone]);
        }
        for (const d of declared) {
          const params = insertParams(d, now);
          if ((await c.query(INSERT, params)).rowCount) continue;
          // Known name: take the declaration, keep id, pause state and progress; a new
          // timetable starts from now.
          await c.query(
            `UPDATE schedules SET source = 'config', pipeline = $2, input = $3, labels = $4, cron = $5, rrule = $6,
               timezone = $7, overlap = $8, catch_up = $9,
               considered_until = CASE
                 WHEN cron IS NOT DISTINCT FROM $5 AND rrule IS NOT DISTINCT FROM $6 AND timezone = $7
                 THEN considered_until ELSE GREATEST(considered_until, $10::bigint) END
             WHERE name = $1`,
            [
              d.name,
              d.pipeline,
              d.input,
              JSON.stringify(d.labels),
              d.cron,
              d.rrule,
              d.timezone,
              d.overlap,
              d.catchUp,
              now,
            ],
          );
        }
      }),
    );
  }

  claimSlot(id: string, slotAt: number, owner: string, until: number): Promise<boolean> {
    return this.guard(() =>
      this.db.tx(async (c) => {
        const { rowCount } = await c.query(
          `INSERT INTO schedule_slots (schedule_id, slot_at, claimed_by, claimed_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT DO NOTHING`,
          [id, slotAt, owner, until],
        );
        await this.considerIn(c, id, until);
        return rowCount === 1;
      }),
    );
  }

  private async considerIn(q: Queryable, id: string, until: number): Promise<void> {
    await q.query(
      'UPDATE schedules SET considered_until = GREATEST(considered_until, $1::bigint) WHERE id = $2',
      [until, id],
    );
  }

  consider(id: string, until: number): Promise<void> {
    return this.guard(() => this.considerIn(this.db, id, until));
  }

  recordRun(id: string, slotAt: number | null, runId: string, at: number): Promise<void> {
    return this.guard(() =>
      this.db.tx(async (c) => {
        if (slotAt !== null)
          await c.query('UPDATE schedule_slots SET run_id = $1 WHERE schedule_id = $2 AND slot_at = $3', [
            runId,
            id,
            slotAt,
          ]);
        await c.query('UPDATE schedules SET last_run_id = $1, last_run_at = $2 WHERE id = $3', [
          runId,
          at,
          id,
        ]);
      }),
    );
  }

  skipSlot(id: string, slotAt: number): Promise<void> {
    return this.guard(async () => {
      await this.db.query('UPDATE schedule_slots SET skipped = 1 WHERE schedule_id = $1 AND slot_at = $2', [
        id,
        slotAt,
      ]);
    });
  }

  unfiredSlots(claimedBefore: number): Promise<{ scheduleId: string; slotAt: number }[]> {
    return this.guard(async () => {
      const { rows } = await this.db.query<{ schedule_id: string; slot_at: number }>(
        `SELECT schedule_id, slot_at FROM schedule_slots
         WHERE run_id IS NULL AND skipped = 0 AND claimed_at < $1 ORDER BY slot_at`,
        [claimedBefore],
      );
      return rows.map((r) => ({ scheduleId: r.schedule_id, slotAt: r.slot_at }));
    });
  }

  forgetSlots(before: number): Promise<void> {
    return this.guard(async () => {
      await this.db.query('DELETE FROM schedule_slots WHERE slot_at < $1', [before]);
    });
  }
}
