import type { AdapterConfig } from '../../config/manifest-schema.js';
import type { ArtifactSpec, ContractSpec } from '../../pipeline/model.js';

export interface Usage {
  tokens_in: number;
  tokens_out: number;
  cost_usd: number;
}

export type ActivityStream = 'stdout' | 'stderr' | 'agent' | 'tool';

/** One prompt step attempt, as an adapter sees it. */
export interface AdapterRequest {
  /** The adapter's name in wave.yaml (e.g. `claude`, `codex`) and its configuration. */
  name: string;
  config: AdapterConfig;
  /** The rendered user prompt (with the retry feedback on later attempts). */
  prompt: string;
  /** base-protocol.md followed by the persona's prompt; '' when there is none. */
  systemPrompt: string;
  /** Resolved model id (tiers already mapped), or null for the adapter's default. */
  model: string | null;
  permissions: { allowed_tools: string[]; deny: string[] };
  /** The step workspace: the agent's working directory. */
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  graceMs: number;
  signal: AbortSignal;
  /** What the step must produce (the mock adapter writes these). */
  outputs: ArtifactSpec[];
  contracts: ContractSpec[];
  /** Resolves `.wave/...` definition paths (schema files for the mock adapter). */
  resolvePath: (p: string) => string;
  /**
   * `step` (default): a prompt step; `agent_review`/`llm_judge`: a review contract asking for a
   * verdict; `retrospective`: a finished run's narrative (the reply's text).
   */
  purpose?: 'step' | 'agent_review' | 'llm_judge' | 'retrospective';
  /** Each line of agent activity becomes a stream_activity event. */
  onActivity: (stream: ActivityStream, content: string) => void;
}

export interface AdapterResult {
  ok: boolean;
  /** Why the attempt failed, when !ok. Codes: adapter_missing, agent_error, agent_exit, rate_limited, timeout, cancelled. */
  error: { code: string; message: string } | null;
  usage: Usage | null;
  /** The last part of the agent's output, for retry feedback. */
  outputTail: string;
  /** The agent's final reply (a review's verdict is read from it), when the adapter knows it. */
  text?: string;
}

export interface Adapter {
  run(req: AdapterRequest): Promise<AdapterResult>;
}
