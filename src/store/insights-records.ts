/** Runs created in [since, until), optionally of one pipeline (API.md "Insights"). */
export interface InsightsWindow {
  since: string;
  until: string;
  pipeline?: string;
}

/** p50 and p95, nearest-rank (the value at rank max(1, ceil(p·n)) of the sorted sample); nulls when empty. */
export interface PercentilePair {
  p50: number | null;
  p95: number | null;
}

/** Runs of one pipeline created on one UTC day (`YYYY-MM-DD`), counted by status. */
export interface RunCounts {
  pipeline: string;
  day: string;
  runs: number;
  completed: number;
  failed: number;
  cancelled: number;
}

/** A pipeline's run times in ms: duration (started → finished) and queue wait (created → started). */
export interface RunTimes {
  pipeline: string;
  durationMs: PercentilePair;
  queueWaitMs: PercentilePair;
}

/**
 * One step of one pipeline over the runs in which it started (attempts > 0): how many, how many
 * ended failed, its extra attempts, and the percentiles of its durations.
 */
export interface StepFigures {
  pipeline: string;
  step: string;
  /** The step's place in its pipeline (the lowest seen). */
  idx: number;
  runs: number;
  failed: number;
  retries: number;
  durationMs: PercentilePair;
}

/**
 * Usage of every step of a pipeline's runs created on one UTC day; cost as a whole number of
 * micro-dollars, each step's cost rounded to micro-dollars before it is added.
 */
export interface UsageTotals {
  pipeline: string;
  day: string;
  tokensIn: number;
  tokensOut: number;
  costMicros: number;
}

/** Failed runs of a pipeline with one error code; `message` is the latest non-null one ('' if none). */
export interface ErrorCount {
  pipeline: string;
  code: string;
  message: string;
  count: number;
}

/** Insights' part of the store: figures aggregated by the store itself, one query each. */
export interface InsightsStore {
  runCounts(window: InsightsWindow): Promise<RunCounts[]>;
  runTimes(window: InsightsWindow): Promise<RunTimes[]>;
  stepFigures(window: InsightsWindow): Promise<StepFigures[]>;
  usageTotals(window: InsightsWindow): Promise<UsageTotals[]>;
  /** Per pipeline, the codes with the `limit` highest counts (every code tied at the boundary included). */
  topErrors(window: InsightsWindow, limit: number): Promise<ErrorCount[]>;
}
