import { parseDuration } from './duration.js';
import type { PollGateSpec, ReviewContractSpec } from './model-rework.js';
import type { RawContract, RawStep } from './schema.js';

/** agent_review's default for each context entry's size (GOWAVE.md §7). */
const CONTEXT_MAX_BYTES = 50 * 1024;

/** The review, diff and event fields of a contract, only those given. */
export function normalizeReviewContract(c: RawContract): ReviewContractSpec {
  const out: ReviewContractSpec = {};
  if (c.persona !== undefined) out.persona = c.persona;
  if (c.criteria_path !== undefined) out.criteriaPath = c.criteria_path;
  if (c.criteria !== undefined) out.criteria = c.criteria;
  if (c.context !== undefined) {
    out.context = c.context.map((x) => ({
      source: x.source,
      artifact: x.artifact ?? null,
      maxSize: x.max_size ?? CONTEXT_MAX_BYTES,
      diffBase: x.diff_base ?? null,
    }));
  }
  if (c.model !== undefined) out.model = c.model;
  if (c.timeout !== undefined) out.timeoutMs = parseDuration(c.timeout) ?? 0;
  if (c.token_budget !== undefined) out.tokenBudget = c.token_budget;
  if (c.rework_step !== undefined) out.reworkStep = c.rework_step;
  if (c.max_retries !== undefined) out.maxRetries = c.max_retries;
  if (c.threshold !== undefined) out.threshold = c.threshold;
  if (c.convergence_window !== undefined) out.convergenceWindow = c.convergence_window;
  if (c.convergence_min_improvement !== undefined)
    out.convergenceMinImprovement = c.convergence_min_improvement;
  if (c.glob !== undefined) out.glob = c.glob;
  if (c.exclude !== undefined) out.exclude = c.exclude;
  if (c.min_files !== undefined) out.minFiles = c.min_files;
  if (c.max_test_deletions !== undefined) out.maxTestDeletions = c.max_test_deletions;
  if (c.test_file_pattern !== undefined)
    out.testFilePatterns =
      typeof c.test_file_pattern === 'string' ? [c.test_file_pattern] : c.test_file_pattern;
  if (c.test_func_pattern !== undefined) out.testFuncPattern = c.test_func_pattern;
  if (c.base_ref !== undefined) out.baseRef = c.base_ref;
  if (c.events !== undefined)
    out.events = c.events.map((e) => ({ state: e.state, contains: e.contains ?? null }));
  if (c.must_pass !== undefined) out.mustPass = c.must_pass;
  return out;
}

/** Rework contracts bound their rework rounds with max_retries: it is not a retry budget for them. */
export function foldsIntoRetries(c: RawContract | undefined): boolean {
  return c !== undefined && c.on_failure !== 'rework';
}

type RawGate = NonNullable<RawStep['gate']>;

/** The polling-gate fields of a gate, only those given. */
export function normalizePollGate(g: RawGate): PollGateSpec {
  const out: PollGateSpec = {};
  if (g.type !== undefined && g.type !== 'approval') out.type = g.type;
  if (g.auto !== undefined) out.auto = g.auto;
  if (g.pr_number !== undefined) out.prNumber = g.pr_number;
  if (g.repo !== undefined) out.repo = g.repo;
  if (g.branch !== undefined) out.branch = g.branch;
  if (g.interval !== undefined) out.intervalMs = parseDuration(g.interval) ?? undefined;
  return out;
}

/** What a polling gate's prompt says when the pipeline gives none. */
export function pollGatePrompt(g: RawGate, stepId: string): string | null {
  switch (g.type) {
    case 'timer':
      return `Waiting ${String(g.timeout ?? '')} (timer gate "${stepId}")`;
    case 'pr_merge':
      return `Waiting for pull request #${g.pr_number ?? '?'}${g.repo ? ` of ${g.repo}` : ''} to be merged`;
    case 'ci_pass':
      return `Waiting for CI to pass${g.branch ? ` on ${g.branch}` : ''}${g.repo ? ` of ${g.repo}` : ''}`;
    default:
      return null;
  }
}
