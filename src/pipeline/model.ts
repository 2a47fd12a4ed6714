import type { PollGateSpec, ReviewContractSpec, ReviewContractType } from './model-rework.js';

/** The normalised pipeline the engine runs: kinds decided, defaults applied, durations in ms. */

export const STEP_KINDS = [
  'command',
  'prompt',
  'gate',
  'pipeline',
  'iterate',
  'aggregate',
  'loop',
  'branch',
] as const;
export type StepKind = (typeof STEP_KINDS)[number];

export type ContractOnFailure = 'fail' | 'skip' | 'continue' | 'warn' | 'rework' | 'rejected';

export interface RetrySpec {
  maxAttempts: number;
  backoff: 'fixed' | 'linear' | 'exponential';
  baseDelayMs: number;
  maxDelayMs: number;
  onFailure: 'fail' | 'skip' | 'continue' | 'rework';
}

export interface ContractSpec extends ReviewContractSpec {
  type: 'json_schema' | 'test_suite' | 'non_empty_file' | 'markdown_spec' | ReviewContractType;
  source?: string;
  schemaPath?: string;
  schema?: Record<string, unknown>;
  command?: string;
  dir?: string;
  requiredSections: string[];
  onFailure: ContractOnFailure;
}

export interface ArtifactSpec {
  name: string;
  path: string;
  /** json (checked to parse), text, markdown, yaml, binary, or any other name: an opaque file. */
  type: string;
  source: 'file' | 'stdout';
  required: boolean;
}

export interface InjectSpec {
  step: string;
  artifact: string;
  as: string;
  optional: boolean;
  // Go Wave loading:
  /** A JSON Schema the injected copy must satisfy (a definition path). */
  schemaPath: string | null;
}

export interface MountSpec {
  source: string;
  target: string;
  mode: 'readonly' | 'readwrite';
  // Go Wave loading:
  /** `<step>.<artifact>.<json.path>`: mount only the files that array lists. */
  subsetFrom: string | null;
}

export interface GateChoice {
  key: string;
  label: string;
  target: string | null;
}

export interface GateSpec extends PollGateSpec {
  prompt: string;
  choices: GateChoice[];
  freeform: boolean;
  default: string | null;
  timeoutMs: number | null;
}

export interface OutcomeSpec {
  type: string;
  extractFrom: string;
  jsonPath: string;
  label: string;
}

export interface StepSpec {
  id: string;
  kind: StepKind;
  description: string;
  dependencies: string[];
  persona: string | null;
  adapter: string | null;
  model: string | null;
  /** command steps: the bash script (a template). */
  command: string | null;
  /** prompt steps: inline prompt text or a prompt file (resolved path). */
  prompt: { source: string } | { sourcePath: string } | null;
  workspace: {
    type: 'fresh' | 'project' | 'worktree';
    mount: MountSpec[];
    branch: string | null;
    base: string | null;
  };
  outputs: ArtifactSpec[];
  injects: InjectSpec[];
  contracts: ContractSpec[];
  retry: RetrySpec;
  gate: GateSpec | null;
  /** Composition steps only (kind pipeline, iterate, aggregate, loop, branch). */
  composition?: CompositionSpec;
  outcomes: OutcomeSpec[];
  /** null: the runtime default applies. */
  timeoutMs: number | null;
  optional: boolean;
  // Go Wave loading:
  /** Steps of one thread get the earlier ones' outputs before their prompt. */
  thread?: string | null;
  /** Go Wave rework: the step that repairs this one (retry.on_failure: rework). */
  reworkStep?: string | null;
  /** Run only as a rework target, never by the DAG. */
  reworkOnly?: boolean;
}

export interface PipelineInputSpec {
  source: string | null;
  type: string;
  required: boolean;
  example: string | null;
  description: string | null;
  schema: Record<string, unknown> | null;
}

export interface PipelineSpec {
  name: string;
  description: string;
  file: string;
  disabled: boolean;
  release: boolean;
  category: string | null;
  input: PipelineInputSpec | null;
  requiresTools: string[];
  outputs: Record<string, { step: string; artifact: string; type: string | null; field: string | null }>;
  steps: StepSpec[];
}

export const RETRY_POLICIES: Record<
  'none' | 'standard' | 'aggressive' | 'patient',
  Omit<RetrySpec, 'onFailure'>
> = {
  none: { maxAttempts: 1, backoff: 'fixed', baseDelayMs: 0, maxDelayMs: 0 },
  standard: { maxAttempts: 3, backoff: 'exponential', baseDelayMs: 1000, maxDelayMs: 30_000 },
  aggressive: { maxAttempts: 5, backoff: 'exponential', baseDelayMs: 200, maxDelayMs: 30_000 },
  patient: { maxAttempts: 3, backoff: 'exponential', baseDelayMs: 5000, maxDelayMs: 90_000 },
};

export const DEFAULT_GATE_CHOICES: GateChoice[] = [
  { key: 'approve', label: 'Approve', target: null },
  { key: 'reject', label: 'Reject', target: '_fail' },
];

/** Delay before attempt `attempt + 1`, after `attempt` failed (1-based). */
export function retryDelayMs(retry: RetrySpec, attempt: number): number {
  const base = retry.baseDelayMs;
  const raw =
    retry.backoff === 'fixed'
      ? base
      : retry.backoff === 'linear'
        ? base * attempt
        : base * 2 ** (attempt - 1);
  return retry.maxDelayMs > 0 ? Math.min(raw, retry.maxDelayMs) : raw;
}

/** A step whose work is child runs (or, for aggregate, merging their outputs). */
export const COMPOSITION_KINDS: ReadonlySet<StepKind> = new Set([
  'pipeline',
  'iterate',
  'aggregate',
  'loop',
  'branch',
]);

export function isCompositionKind(kind: StepKind): boolean {
  return COMPOSITION_KINDS.has(kind);
}

/** GOWAVE.md §§1-5, with the differences PIPELINES.md "Where Wave differs" names. */
export interface CompositionSpec {
  /** The child pipeline's name (templated per item in an iterate). */
  pipeline: string | null;
  /** The child's input (a template); null: the parent's input. */
  input: string | null;
  inputRef: { from: string | null; literal: string | null } | null;
  inject: string[];
  extract: string[];
  /** config.timeout: a limit on each child run. */
  childTimeoutMs: number | null;
  /** config.env: `{{ env.<key> }}` in the child (inherited down the chain). */
  env: Record<string, string>;
  maxCycles: number | null;
  stopCondition: string | null;
  iterate: {
    over: string;
    parallel: boolean;
    /** 0: every item at once. */
    maxConcurrent: number;
    onFailure: 'fail' | 'continue';
  } | null;
  aggregate: {
    from: string;
    into: string;
    strategy: 'merge_arrays' | 'concat' | 'reduce';
    key: string | null;
  } | null;
  loop: { maxIterations: number; until: string | null; steps: StepSpec[] } | null;
  branch: { on: string; cases: Record<string, string> } | null;
}
