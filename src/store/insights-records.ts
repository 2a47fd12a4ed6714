/** Runs created in [since, until), optionally of one pipeline (API.md "Insights"). */
export interface InsightsWindow {
  since: string;
  until: string;
  pipeline?: string;
}

/**
 * Whole UTC days (`YYYY-MM-DD`) or whole UTC hours (`YYYY-MM-DDTHH`) [from, to), optionally of
 * one pipeline.
 */
export interface InsightsPeriods {
  span: 'day' | 'hour';
  from: string;
  to: string;
  pipeline?: string;
}

/**
 * Runs of one pipeline created on one UTC day, counted by status, with the usage of their steps:
 * cost as a whole number of micro-dollars, each step's cost rounded before it is added.
 */
export interface DayFigures {
  pipeline: string;
  day: string;
  runs: number;
  completed: number;
  failed: number;
  cancelled: number;
  tokensIn: number;
  tokensOut: number;
  costMicros: number;
}

/**
 * One bucket of a histogram of times in ms (see service/insights/histogram.ts for the buckets):
 * a run's duration or queue wait (`step` ''), or a step's duration; `lo`/`hi` are the least and
 * greatest value counted in it, so a bucket holding one distinct value gives it exactly.
 */
export interface TimeBucket {
  pipeline: string;
  step: string;
  metric: 'duration' | 'queue_wait';
  bucket: number;
  n: number;
  lo: number;
  hi: number;
}

/** One step of one pipeline over the runs in which it started (attempts > 0). */
export interface StepCounts {
  pipeline: string;
  step: string;
  /** The step's place in its pipeline (the lowest seen). */
  idx: number;
  runs: number;
  failed: number;
  /** Extra attempts. */
  retries: number;
}

/** Failed runs of a pipeline with one error code; `message` the latest non-null one, at `lastAt`. */
export interface ErrorCounts {
  pipeline: string;
  code: string;
  n: number;
  message: string | null;
  lastAt: string | null;
}

/** Figures of a set of runs, in the shape the rollups keep them. */
export interface InsightRows {
  days: DayFigures[];
  times: TimeBucket[];
  steps: StepCounts[];
  errors: ErrorCounts[];
}

/**
 * Insights' part of the store. Finished runs are rolled up per pipeline and UTC day and hour in
 * the transaction of their terminal event (and taken out when retention deletes them), so whole
 * days and hours are read from the rollups; the rest of a window (under an hour at either end)
 * is aggregated from the runs themselves.
 */
export interface InsightsStore {
  /** Whole days or hours: the rollups of their finished runs plus the runs not finished yet, one consistent read. */
  rolledUp(periods: InsightsPeriods): Promise<InsightRows>;
  /** Every run created in the window, aggregated from runs and steps (callers keep the window short). */
  scanned(window: InsightsWindow): Promise<InsightRows>;
  /** Keeps what `persona` wrote of a finished run (a second one replaces the first). */
  saveNarrative(runId: string, persona: string, narrative: string, at: string): Promise<void>;
  /** The narrative of a run, or null when none was written. */
  narrative(runId: string): Promise<string | null>;
}
