import { spawn } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WaveContext } from '../service/context.js';
import { EXIT } from './exit.js';
import { type CliIO, out } from './io.js';
import { withLocalContext } from './local.js';
import type { ProjectFlags } from './options.js';
import { announce } from './remote-run.js';
import { runInForeground } from './run-session.js';
import {
  type DeriveRequest,
  type EventWatcher,
  type GateAnswer,
  gatePresets,
  type LogQuery,
  type RunListQuery,
  type RunRequest,
  type RunsApi,
} from './runs-api.js';

const BIN = fileURLToPath(new URL('../../bin/wave.js', import.meta.url));

/** The runs of this project's store, through the run service; runs execute in this process. */
export class LocalRuns implements RunsApi {
  constructor(
    private readonly io: CliIO,
    private readonly ctx: WaveContext,
    private readonly flags: ProjectFlags,
  ) {}

  list(q: RunListQuery) {
    return this.ctx.runs.list(q);
  }

  get(id: string) {
    return this.ctx.runs.detail(id);
  }

  async run(req: RunRequest): Promise<number> {
    const { ctx, io } = this;
    const spec = ctx.project.requirePipeline(req.pipeline).spec;
    const presets = gatePresets(spec.name, req.gates, (step) => {
      const gate = spec.steps.find((s) => s.id === step)?.gate;
      return gate ? gate.choices.map((c) => c.key) : null;
    });
    const { run } = await ctx.runs.submit({
      pipeline: req.pipeline,
      input: req.input,
      labels: req.labels,
      trigger: { source: 'cli', actor: req.actor },
      mode: 'local',
      options: { mock: req.mock, autoApprove: req.autoApprove, gates: presets, detached: req.detach },
      runHere: !req.detach,
    });
    if (!req.detach) return runInForeground(io, ctx, run, { json: req.json, detached: false });
    this.detach(run.id);
    out(io, run.id);
    return EXIT.ok;
  }

  async derive(sourceId: string, req: DeriveRequest): Promise<number> {
    const run = await this.ctx.runs.derive(sourceId, req.how, {
      trigger: { source: 'cli', actor: req.actor },
      mode: 'local',
      runHere: !req.detach,
      detached: req.detach,
      ...(req.input !== undefined ? { input: req.input } : {}),
    });
    if (req.detach) this.detach(run.id);
    announce(this.io, run.id, req.json);
    if (req.detach) return EXIT.ok;
    return runInForeground(this.io, this.ctx, run, { json: req.json, detached: false });
  }

  async retryDetached(sourceId: string, actor: string): Promise<string> {
    const run = await this.ctx.runs.derive(
      sourceId,
      { kind: 'retry' },
      { trigger: { source: 'cli', actor }, mode: 'local', detached: true },
    );
    this.detach(run.id);
    return run.id;
  }

  /** A detached run goes on in a `wave resume` of its own, its output in .wave/logs/. */
  private detach(runId: string): void {
    const { ctx, io } = this;
    const logDir = ctx.project.runtimePath('.wave/logs');
    mkdirSync(logDir, { recursive: true });
    const log = openSync(join(logDir, `${runId}.log`), 'a');
    const args = [BIN, 'resume', runId, '-C', ctx.project.paths.root];
    if (this.flags.config) args.push('--config', this.flags.config);
    const child = spawn(process.execPath, args, {
      detached: true,
      stdio: ['ignore', log, log],
      cwd: ctx.project.paths.root,
      env: { ...io.env } as NodeJS.ProcessEnv,
    });
    child.unref();
  }

  async resume(id: string, opts: { json: boolean }): Promise<number> {
    const run = await this.ctx.runs.resume(id);
    return runInForeground(this.io, this.ctx, run, {
      json: opts.json,
      detached: run.options.detached ?? false,
    });
  }

  cancel(id: string, by: string) {
    return this.ctx.runs.cancelAndWait(id, by, this.ctx.project.config.runtime.process_grace_ms + 5000);
  }

  gate(id: string, step: string, answer: GateAnswer, by: string) {
    return this.ctx.runs.answerGate(id, step, answer, by);
  }

  logs(q: LogQuery) {
    return this.ctx.runs.logs(q);
  }

  diff(id: string, step?: string) {
    return this.ctx.runs.diff(id, step);
  }

  diffStat(id: string, step?: string) {
    return this.ctx.runs.diffStat(id, step);
  }

  async followLogs(q: LogQuery, onText: (text: string) => void): Promise<void> {
    await (await this.ctx.runs.followLogs(q, onText)).done;
  }

  /** The change feed brings this process's commits and, within its check interval, everyone else's. */
  watchEvents(watcher: EventWatcher, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const unsubscribe = this.ctx.changes.subscribe(
        ({ events }) => {
          if (events.length > 0) watcher.onEvents([...events]);
        },
        { keepAlive: true },
      );
      // Subscribed first, then told to read: nothing committed in between is missed.
      watcher.onLive({ resync: true });
      const stop = () => {
        unsubscribe();
        resolve();
      };
      if (signal.aborted) stop();
      else signal.addEventListener('abort', stop, { once: true });
    });
  }

  async whereAndCap() {
    return {
      where: `project ${this.ctx.project.paths.root}`,
      maxConcurrent: this.ctx.project.config.server.max_concurrent,
    };
  }
}

/** Opens the project's context for `fn` and closes it after. */
export function withLocalRuns<T>(
  io: CliIO,
  flags: ProjectFlags,
  fn: (api: RunsApi) => Promise<T>,
): Promise<T> {
  return withLocalContext(io, flags, (ctx) => fn(new LocalRuns(io, ctx, flags)));
}
