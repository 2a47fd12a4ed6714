import type { EventWatcher } from '../client/events-stream.js';
import type { RunStatus } from '../events/catalogue.js';
import type {
  CancelOutcome,
  Derivation,
  GateView,
  LogFormat,
  RunDetailView,
  RunView,
} from '../service/run-service.js';
import type { DiffStat } from '../util/diff-stat.js';
import { EXIT, ExitError } from './exit.js';
import type { CliIO } from './io.js';
import type { ProjectFlags } from './options.js';
import { type RemoteFlags, remoteClient } from './remote.js';

export type { CancelOutcome, EventWatcher, GateView, RunDetailView, RunView };

/** A `--gate STEP=KEY[:TEXT]` preset of `wave run`. */
export interface GatePreset {
  step: string;
  choice: string;
  text: string | null;
}

export interface RunRequest {
  pipeline: string;
  input: string | null;
  labels: Record<string, string>;
  autoApprove: boolean;
  gates: GatePreset[];
  mock: boolean;
  json: boolean;
  detach: boolean;
  actor: string;
}

/** `wave retry` / `wave fork`: how the new run is made and shown. */
export interface DeriveRequest {
  how: Derivation;
  /** A fork's new input; absent: the source run's. */
  input?: string;
  json: boolean;
  detach: boolean;
  actor: string;
}

export interface RunListQuery {
  limit: number;
  statuses?: RunStatus[];
  pipeline?: string;
  /** Only this run's child runs (by default only top-level runs are listed). */
  parent?: string;
  cursor?: string;
}

export interface LogQuery {
  runId: string;
  step?: string | undefined;
  format: LogFormat;
}

export interface GateAnswer {
  choice?: string;
  text?: string;
  approved?: boolean;
}

/**
 * What the run commands do, the same whether the runs are in this project's store (local) or
 * on a `wave serve` (remote). Commands parse their flags, call one method and render.
 */
export interface RunsApi {
  list(q: RunListQuery): Promise<{
    runs: RunView[];
    next_cursor: string | null;
  }>;
  get(id: string): Promise<RunDetailView>;
  /** Submits, then follows the run to its end (unless detached); the exit code of CLI.md. */
  run(req: RunRequest): Promise<number>;
  /** A retry or fork of a finished run, followed like `run`; the exit code of CLI.md. */
  derive(sourceId: string, req: DeriveRequest): Promise<number>;
  /** A retry that goes on in the background (`wave top`'s `r`): the new run's id. */
  retryDetached(sourceId: string, actor: string): Promise<string>;
  /** Continues a run that stopped; the exit code of CLI.md. */
  resume(id: string, opts: { json: boolean }): Promise<number>;
  /** Cancels and waits a bounded while to tell how the run ended. */
  cancel(id: string, by: string): Promise<CancelOutcome>;
  gate(id: string, step: string, answer: GateAnswer, by: string): Promise<GateView>;
  /** The run's output as it is now. */
  logs(q: LogQuery): Promise<AsyncIterable<string | Buffer>>;
  /** The run's output from its start, as it is written, until the run ends. */
  followLogs(q: LogQuery, onText: (text: string) => void): Promise<void>;
  /** The run's (or one step's) unified diff; no_changes when it changed nothing in a worktree. */
  diff(id: string, step?: string): Promise<string>;
  /** The same diff's files with added and removed line counts. */
  diffStat(id: string, step?: string): Promise<DiffStat>;
  /** Every run's events as they are committed, until `signal` aborts (`wave top`). */
  watchEvents(watcher: EventWatcher, signal: AbortSignal): Promise<void>;
  /** Where the runs are (the project or the server) and how many may run at once. */
  whereAndCap(): Promise<{ where: string; maxConcurrent: number }>;
}

/**
 * The presets of `--gate`, checked against what is known of the pipeline's gates: their choices,
 * or 'unknown' when only the server knows them (it checks the answer), or null for no such gate.
 */
export function gatePresets(
  pipeline: string,
  gates: readonly GatePreset[],
  choicesOf: (step: string) => string[] | 'unknown' | null,
): Record<string, { choice: string; text: string | null }> {
  const presets: Record<string, { choice: string; text: string | null }> = {};
  for (const g of gates) {
    const choices = choicesOf(g.step);
    if (!choices)
      throw new ExitError(
        EXIT.usage,
        `--gate ${g.step}=${g.choice}: pipeline "${pipeline}" has no gate step "${g.step}"`,
      );
    if (choices !== 'unknown' && !choices.includes(g.choice))
      throw new ExitError(
        EXIT.usage,
        `--gate ${g.step}=${g.choice}: "${g.choice}" is not a choice (${choices.join(', ')})`,
      );
    presets[g.step] = { choice: g.choice, text: g.text };
  }
  return presets;
}

/**
 * The runs interface the flags ask for: a server's (`--server` or WAVE_SERVER) or this
 * project's, open for the duration of `fn`. Imported lazily: a remote command opens no store.
 */
export async function withRunsApi<T>(
  io: CliIO,
  flags: ProjectFlags & RemoteFlags,
  fn: (api: RunsApi) => Promise<T>,
): Promise<T> {
  const client = remoteClient(io, flags);
  if (client) {
    const { RemoteRuns } = await import('./remote-runs.js');
    return fn(new RemoteRuns(io, client));
  }
  const { withLocalRuns } = await import('./local-runs.js');
  return withLocalRuns(io, flags, fn);
}
