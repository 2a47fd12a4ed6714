import type { WaveClient } from '../client/wave-client.js';
import { WaveError } from '../errors.js';
import { didYouMean } from '../pipeline/suggest.js';
import { logText } from '../service/run-output.js';
import { EXIT, ExitError } from './exit.js';
import type { CliIO } from './io.js';
import { runRemote } from './remote-run.js';
import {
  type CancelOutcome,
  type DeriveRequest,
  type EventWatcher,
  type GateAnswer,
  gatePresets,
  type LogQuery,
  type RunListQuery,
  type RunRequest,
  type RunsApi,
} from './runs-api.js';

/** How long `wave cancel --server` waits to tell how the run ended. */
const CANCEL_WAIT_MS = 20_000;

/** The runs of a `wave serve`, through its API; runs execute on the server. */
export class RemoteRuns implements RunsApi {
  constructor(
    private readonly io: CliIO,
    private readonly client: WaveClient,
  ) {}

  list(q: RunListQuery) {
    return this.client.listRuns({
      limit: q.limit,
      ...(q.pipeline ? { pipeline: q.pipeline } : {}),
      ...(q.statuses ? { status: q.statuses } : {}),
      ...(q.parent ? { parent: q.parent } : {}),
      ...(q.cursor ? { cursor: q.cursor } : {}),
    });
  }

  get(id: string) {
    return this.client.getRun(id);
  }

  async run(req: RunRequest): Promise<number> {
    if (req.mock)
      throw new ExitError(
        EXIT.usage,
        '--mock is a server setting with --server: start the server with wave serve --mock',
      );
    const pipeline = await this.client.getPipeline(req.pipeline);
    const gates = new Set(pipeline.steps.filter((s) => s.kind === 'gate').map((s) => s.id));
    return runRemote(this.io, this.client, {
      pipeline: req.pipeline,
      input: req.input,
      labels: req.labels,
      autoApprove: req.autoApprove,
      presets: gatePresets(req.pipeline, req.gates, (step) => (gates.has(step) ? 'unknown' : null)),
      json: req.json,
      detach: req.detach,
      actor: req.actor,
    });
  }

  async derive(sourceId: string, req: DeriveRequest): Promise<number> {
    const source = await this.client.getRun(sourceId);
    const how =
      req.how.kind === 'fork'
        ? {
            kind: 'fork' as const,
            fromStep: req.how.fromStep,
            ...(req.input !== undefined ? { input: req.input } : {}),
          }
        : { kind: 'retry' as const };
    return runRemote(this.io, this.client, {
      pipeline: source.pipeline,
      input: null,
      labels: {},
      autoApprove: false,
      presets: {},
      json: req.json,
      detach: req.detach,
      actor: req.actor,
      create: () => this.client.deriveRun(sourceId, how),
    });
  }

  async retryDetached(sourceId: string): Promise<string> {
    return (await this.client.deriveRun(sourceId, { kind: 'retry' })).id;
  }

  async resume(): Promise<number> {
    throw new ExitError(
      EXIT.usage,
      'wave resume works on the local store: a server resumes its own runs when it restarts (server.recovery)',
    );
  }

  /** The server cancels (as the token's actor); then the run's events tell how it ended. */
  async cancel(id: string): Promise<CancelOutcome> {
    const run = await this.client.cancelRun(id);
    if (run.status === 'cancelled') return run.started_at ? { kind: 'cancelled' } : { kind: 'queued' };
    const terminal = await this.client
      .followRun(id, () => undefined, { signal: AbortSignal.timeout(CANCEL_WAIT_MS) })
      .catch(() => null);
    if (!terminal) return { kind: 'stopping' };
    if (terminal.type === 'run_cancelled') return { kind: 'cancelled' };
    return { kind: 'ended', status: terminal.type === 'run_completed' ? 'completed' : 'failed' };
  }

  gate(id: string, step: string, answer: GateAnswer) {
    return this.client.answerGate(id, step, answer);
  }

  diff(id: string, step?: string) {
    return this.client.getDiff(id, step);
  }

  diffStat(id: string, step?: string) {
    return this.client.getDiffStat(id, step);
  }

  logs(q: LogQuery) {
    return this.client.logStream(q.runId, { ...(q.step ? { step: q.step } : {}), format: q.format });
  }

  async followLogs(q: LogQuery, onText: (text: string) => void): Promise<void> {
    if (q.step) {
      // The server checks the step for plain logs; a follow checks it first, the same way.
      const steps = (await this.client.getRun(q.runId)).steps.map((x) => x.id);
      if (!steps.includes(q.step)) {
        const hint = didYouMean(q.step, steps);
        throw new WaveError(
          'step_not_found',
          `run "${q.runId}" has no step "${q.step}"${hint ? ` (${hint})` : ''}`,
        );
      }
    }
    await this.client.followRun(q.runId, (e) => {
      const text = logText([e], q.step, q.format);
      if (text) onText(text);
    });
  }

  watchEvents(watcher: EventWatcher, signal: AbortSignal): Promise<void> {
    return this.client.watchEvents(watcher, signal);
  }

  async whereAndCap() {
    const health = await this.client.health();
    return {
      where: `server ${this.client.baseUrl} (wave ${health.version})`,
      maxConcurrent: health.max_concurrent,
    };
  }
}
