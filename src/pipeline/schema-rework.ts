import { z } from 'zod';
import { parseDuration } from './duration.js';

/**
 * The Go Wave's review, diff and event contracts and its polling gates (GOWAVE.md §7, §8): their
 * extra fields, spread into ContractSchema and GateSchema (schema.ts) so those stay strict.
 */

const duration = z.union([z.string(), z.number()]).refine((v) => parseDuration(v) !== undefined, {
  message: 'not a duration: write e.g. 500ms, 30s, 10m, 1h, or a number of seconds',
});

export const REVIEW_CONTRACT_TYPES = [
  'agent_review',
  'llm_judge',
  'test_diff',
  'test_count_baseline',
  'source_diff',
  'format',
  'event_contains',
  'typescript_interface',
  'spec_derived_test',
] as const;

const ReviewContext = z.strictObject({
  source: z.enum(['git_diff', 'artifact']),
  artifact: z.string().optional(),
  max_size: z.number().int().positive().optional(),
  diff_base: z.string().optional(),
});

export const REVIEW_CONTRACT_FIELDS = {
  /** agent_review: the reviewer persona; spec_derived_test: see test_persona. */
  persona: z.string().optional(),
  criteria_path: z.string().optional(),
  /** llm_judge: the criteria, each judged pass or fail. */
  criteria: z.array(z.string()).optional(),
  context: z.array(ReviewContext).optional(),
  model: z.string().optional(),
  timeout: duration.optional(),
  token_budget: z.number().int().min(0).optional(),
  /** on_failure: rework: the step that repairs this one (else the step's retry.rework_step). */
  rework_step: z.string().optional(),
  threshold: z.number().min(0).max(1).optional(),
  convergence_window: z.number().int().min(1).optional(),
  convergence_min_improvement: z.number().min(0).optional(),
  glob: z.string().optional(),
  exclude: z.array(z.string()).optional(),
  min_files: z.number().int().min(0).optional(),
  max_test_deletions: z.number().int().min(0).optional(),
  test_file_pattern: z.union([z.string(), z.array(z.string())]).optional(),
  test_func_pattern: z.string().optional(),
  base_ref: z.string().optional(),
  events: z.array(z.strictObject({ state: z.string().min(1), contains: z.string().optional() })).optional(),
  spec_artifact: z.string().optional(),
  test_persona: z.string().optional(),
  implementation_step: z.string().optional(),
};

export const GATE_TYPES = ['approval', 'timer', 'pr_merge', 'ci_pass'] as const;

export const GATE_FIELDS = {
  /** Resolves at once: approval takes its default (else first) choice, the others pass. */
  auto: z.boolean().optional(),
  tui_action: z.string().optional(),
  pr_number: z.number().int().positive().optional(),
  /** owner/repo; default: the `origin` remote. */
  repo: z.string().optional(),
  /** ci_pass: default the project's current branch. */
  branch: z.string().optional(),
  /** How often pr_merge and ci_pass ask the forge; default 30s. */
  interval: duration.optional(),
};
