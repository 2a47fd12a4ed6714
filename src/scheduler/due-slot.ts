import type { ScheduleRecord } from '../store/store.js';
import type { Timetable } from './timetable.js';

/**
 * A slot is on time while it is at most this late; an older one was missed (no server ran, or
 * the schedule's server was stopped) and only `catch_up: one` still fires for it.
 */
export const ON_TIME_MS = 60_000;

export type SlotDecision =
  /** Nothing due yet; `next` is when the first slot falls (null: never). */
  | { kind: 'wait'; next: number | null }
  /** Fire this slot (claim it first). */
  | { kind: 'fire'; slot: number; caughtUp: boolean }
  /** Only missed slots were due and catch_up is skip: they are dropped. */
  | { kind: 'drop'; first: number };

/**
 * What is owed at `now` for slots after the schedule's mark: at most one run, for the latest
 * on-time slot, else (catch_up: one) for the first missed one, which stands for all of them.
 * Every server computes the same slot from the same mark, so claiming it settles who fires.
 */
export function dueSlot(schedule: ScheduleRecord, timetable: Timetable, now: number): SlotDecision {
  const first = timetable.next(schedule.consideredUntil);
  if (first === null || first > now) return { kind: 'wait', next: first };
  let onTime: number | null = null;
  let t = Math.max(schedule.consideredUntil, now - ON_TIME_MS);
  for (let n = timetable.next(t); n !== null && n <= now; n = timetable.next(t)) {
    onTime = n;
    t = n;
  }
  if (onTime !== null) return { kind: 'fire', slot: onTime, caughtUp: false };
  if (schedule.catchUp === 'one') return { kind: 'fire', slot: first, caughtUp: true };
  return { kind: 'drop', first };
}
