import type { RunStatus, StepStatus } from '../events/catalogue.js';

/** Runs created in [since, until), optionally of one pipeline (API.md "Insights"). */
export interface InsightsWindow {
  since: string;
  until: string;
  pipeline?: string;
}

/** One run's figures for insights: times as epoch ms, null when the run never got there. */
export interface RunFact {
  pipeline: string;
  status: RunStatus;
  createdMs: number;
  startedMs: number | null;
  finishedMs: number | null;
  errorCode: string | null;
  errorMessage: string | null;
}

/** One step of a run in the window; `usage` is the stored JSON Usage (parsed by the caller). */
export interface StepFact {
  pipeline: string;
  /** The run's creation day, `YYYY-MM-DD` (UTC). */
  day: string;
  step: string;
  /** The step's place in its pipeline. */
  idx: number;
  status: StepStatus;
  attempts: number;
  durationMs: number | null;
  usage: string | null;
}

/** Insights' part of the store: plain facts read in one pass each; figures are the caller's. */
export interface InsightsStore {
  runFacts(window: InsightsWindow): Promise<RunFact[]>;
  stepFacts(window: InsightsWindow): Promise<StepFact[]>;
}
