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
}

export interface ContractResult {
  ok: boolean;
  /** Human-readable reasons, each naming what to fix. */
  errors: string[];
}

export type ContractChecker = (contract: ContractSpec, ctx: ContractContext) => Promise<ContractResult>;
