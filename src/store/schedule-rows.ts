import type { SchedulePatch, ScheduleRecord } from './schedule-records.js';

/** A schedules row as both stores keep it, with its last run's status joined in. */
export interface ScheduleRow {
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

export const SELECT_SCHEDULES = `SELECT s.*, r.status AS last_run_status FROM schedules s LEFT JOIN runs r ON r.id = s.last_run_id`;

export function toSchedule(row: ScheduleRow): ScheduleRecord {
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

export const PATCH_COLUMNS: Record<keyof SchedulePatch, string> = {
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
