import type { Usage } from '../adapters/types.js';

/** What running a step's command or agent once gave. */
export type ExecResult =
  | { ok: true; usage: Usage | null; tail: string }
  | {
      ok: false;
      cancelled: boolean;
      error: { code: string; message: string };
      usage: Usage | null;
      tail: string;
      retryable: boolean;
    };

export interface ExecOptions {
  workspace: string;
  values: Record<string, string>;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  attempt: number;
  /** For retries of prompt steps: what failed last time. */
  feedback: string | null;
  /** Text put before a prompt step's prompt (a thread's earlier outputs). */
  preamble?: string;
}
