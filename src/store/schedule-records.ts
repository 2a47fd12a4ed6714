/** Schedules as the store keeps them (API.md "Schedules"); times are epoch milliseconds. */
export interface ScheduleRecord {
  id: string;
  name: string;
  pipeline: string;
  input: string | null;
  labels: Record<string, string>;
  cron: string | null;
  rrule: string | null;
  timezone: string;
  overlap: 'skip' | 'queue';
  catchUp: 'skip' | 'one';
  paused: boolean;
  source: 'api' | 'config';
  /** Every slot up to here has been dealt with (fired, skipped or dropped). */
  consideredUntil: number;
  lastRun: { runId: string; at: number; status: string } | null;
  createdAt: number;
}

export type NewSchedule = Omit<ScheduleRecord, 'lastRun' | 'paused' | 'consideredUntil'> & {
  paused?: boolean;
};

export type SchedulePatch = Partial<
  Pick<
    ScheduleRecord,
    'pipeline' | 'input' | 'labels' | 'cron' | 'rrule' | 'timezone' | 'overlap' | 'catchUp' | 'name'
  >
>;

/**
 * Schedules and their slots. A slot is claimed by inserting its (schedule, slot time) row, whose
 * primary key makes the first claimant the only one, however many servers share the store; a
 * PostgreSQL store keeps the same key (INSERT … ON CONFLICT DO NOTHING).
 */
export interface ScheduleStore {
  list(): Promise<ScheduleRecord[]>;
  get(id: string): Promise<ScheduleRecord | null>;
  getByName(name: string): Promise<ScheduleRecord | null>;
  /** Null when the name is taken. */
  create(schedule: NewSchedule, now: number): Promise<ScheduleRecord | null>;
  /** A new timetable starts from `now`: slots before it are not owed. Null when unknown. */
  update(id: string, patch: SchedulePatch, now: number): Promise<ScheduleRecord | null>;
  delete(id: string): Promise<boolean>;
  /** Resuming starts from `now`: slots that passed while paused are not owed. */
  setPaused(id: string, paused: boolean, now: number): Promise<ScheduleRecord | null>;
  /**
   * Makes the config-declared schedules exactly `declared` (matched by name; their pause state
   * and progress kept); API schedules of the same names become config ones.
   */
  syncConfig(declared: NewSchedule[], now: number): Promise<void>;
  /** True for the one caller that claims this slot first. Also moves consideredUntil up to `until`. */
  claimSlot(id: string, slotAt: number, owner: string, until: number): Promise<boolean>;
  /** Records that slots up to `until` were dealt with (it never moves back). */
  consider(id: string, until: number): Promise<void>;
  /** The run created for a claimed slot (slotAt) or on demand (slotAt null). */
  recordRun(id: string, slotAt: number | null, runId: string, at: number): Promise<void>;
  /** A claimed slot that is deliberately not run (overlap: skip): no run is owed for it. */
  skipSlot(id: string, slotAt: number): Promise<void>;
  /**
   * Claimed slots that have neither a run nor a skip, claimed before `claimedBefore`: the server
   * that claimed them died (or failed) between the claim and the run.
   */
  unfiredSlots(claimedBefore: number): Promise<{ scheduleId: string; slotAt: number }[]>;
  /** Slot rows older than `before` are only history: forget them. */
  forgetSlots(before: number): Promise<void>;
}
