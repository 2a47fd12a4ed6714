import type { WaveEvent } from '../../events/catalogue.js';
import type { ContractSpec, StepSpec } from '../../pipeline/model.js';

export interface ContractContext {
  step: StepSpec;
  /** The step workspace; relative `source` paths are relative to it. */
  workspace: string;
  /** The project root (for `dir: project_root`). */
  projectRoot: string;
  /** Resolves `.wave/...` definition paths (schema_path). */
  resolvePath: (p: string) => string;
  /** Renders a contract command's templates (already shell-safe). */
  renderCommand: (command: string) => string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  graceMs: number;
  signal: AbortSignal;
  /** Output of a test_suite command, line by line. */
  onLine: (stream: 'stdout' | 'stderr', line: string) => void;
  /** agent_review and llm_judge: one non-interactive agent call. */
  agent?: ReviewAgent;
  /** agent_review context: the stored file of the run's latest artifact with this name. */
  artifactPath?: (name: string) => Promise<string | null>;
  /** event_contains: this run's events so far. */
  runEvents?: () => Promise<WaveEvent[]>;
}

/** What a review contract asks an agent. */
export interface ReviewRequest {
  purpose: 'agent_review' | 'llm_judge';
  /** The persona whose adapter and prompt answer; null: the step's. */
  persona: string | null;
  /** Replaces the persona's prompt as the system prompt (llm_judge's judge instructions). */
  systemPrompt: string | null;
  prompt: string;
  /** A literal model or a tier; null: the persona's. */
  model: string | null;
  timeoutMs: number;
}

export type ReviewAgent = (
  req: ReviewRequest,
) => Promise<{ ok: true; text: string; tokens: number | null } | { ok: false; error: string }>;

export interface ContractResult {
  ok: boolean;
  /** Human-readable reasons, each naming what to fix. */
  errors: string[];
}

export type ContractChecker = (contract: ContractSpec, ctx: ContractContext) => Promise<ContractResult>;
