/**
 * The normalised fields of the Go Wave's review, diff and event contracts and of its polling
 * gates (GOWAVE.md §7, §8). All optional: a run spec stored before they existed still loads.
 */

export type ReviewContractType =
  | 'agent_review'
  | 'llm_judge'
  | 'test_diff'
  | 'test_count_baseline'
  | 'source_diff'
  | 'format'
  | 'event_contains'
  | 'typescript_interface'
  | 'spec_derived_test';

export interface ReviewContextSpec {
  source: 'git_diff' | 'artifact';
  artifact: string | null;
  maxSize: number;
  diffBase: string | null;
}

export interface ReviewContractSpec {
  /** agent_review: the reviewer persona. */
  persona?: string;
  criteriaPath?: string;
  criteria?: string[];
  context?: ReviewContextSpec[];
  model?: string;
  timeoutMs?: number;
  tokenBudget?: number;
  /** on_failure: rework: the repairing step (else the step's retry.rework_step). */
  reworkStep?: string;
  /** on_failure: rework: how many rework rounds at most. */
  maxRetries?: number;
  threshold?: number;
  convergenceWindow?: number;
  convergenceMinImprovement?: number;
  glob?: string;
  exclude?: string[];
  minFiles?: number;
  maxTestDeletions?: number;
  testFilePatterns?: string[];
  testFuncPattern?: string;
  baseRef?: string;
  events?: { state: string; contains: string | null }[];
  /** typescript_interface: a missing `tsc` passes unless must_pass is true. */
  mustPass?: boolean;
}

export type GateType = 'approval' | 'timer' | 'pr_merge' | 'ci_pass';

export interface PollGateSpec {
  /** Absent: approval. */
  type?: GateType;
  auto?: boolean;
  prNumber?: number;
  repo?: string;
  branch?: string;
  intervalMs?: number;
}
