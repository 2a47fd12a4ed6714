import type { GatePolicy } from '../engine/context.js';
import { executeClaimedRun } from '../runs/executor.js';
import type { WaveContext } from '../service/context.js';
import type { RunRecord } from '../service/run-service.js';
import { EXIT } from './exit.js';
import { type CliIO, err, useColor } from './io.js';
import { localActor } from './local.js';
import { COLOR, PLAIN } from './render/format.js';
import { terminalGateAsker } from './render/gate-prompt.js';
import { JsonView } from './render/json-view.js';
import { PlainView } from './render/plain-view.js';
import { type RunRenderer, type RunSummary, runSummary } from './render/renderer.js';
import { TtyView } from './render/tty-view.js';

export interface SessionOptions {
  json: boolean;
  /** Gates wait for `wave gate` (a detached run) instead of failing without a terminal. */
  detached: boolean;
}

/**
 * Runs a claimed run in this process and shows it: live view on a terminal, plain lines
 * otherwise, JSON events with --json. Ctrl-C cancels cleanly (a second one forces the exit).
 * Returns the exit code of CLI.md.
 */
export async function runInForeground(
  io: CliIO,
  ctx: WaveContext,
  run: RunRecord,
  opts: SessionOptions,
): Promise<number> {
  const spec = await ctx.runs.spec(run.id);
  const renderer: RunRenderer = opts.json
    ? new JsonView(io)
    : io.stdout.isTTY
      ? new TtyView(io, spec, run.id, useColor(io))
      : new PlainView(io, useColor(io) ? COLOR : PLAIN);
  const interactive = Boolean(io.stdin.isTTY && io.stderr.isTTY);
  const actor = localActor(io);
  const gates: GatePolicy = {
    presets: run.options.gates ?? {},
    autoApprove: run.options.autoApprove ?? false,
    actor,
    unanswered: opts.detached ? 'wait' : 'fail',
    ...(interactive && !opts.detached ? { ask: terminalGateAsker(io, renderer, actor) } : {}),
  };

  const follower = ctx.runs.follow(run.id, (events) => renderer.onEvents(events));
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      err(io, '\ncancelling the run… (Ctrl-C again to quit at once)');
      // The run may end meanwhile: then there is nothing left to cancel.
      ctx.runs.cancel(run.id, actor).catch(() => undefined);
    } else {
      process.exit(EXIT.cancelled);
    }
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  try {
    const result = await executeClaimedRun(ctx, run, { gates });
    await Promise.race([follower.done, new Promise((r) => setTimeout(r, 5000).unref())]);
    follower.stop();
    renderer.finish(await summarize(ctx, run.id, result.error?.message ?? null));
    // The run has ended and been reported; its narrative, if any, is written before exiting.
    await ctx.narratives.settled();
    return result.status === 'completed'
      ? EXIT.ok
      : result.status === 'cancelled'
        ? EXIT.cancelled
        : EXIT.runFailed;
  } finally {
    follower.stop();
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}

async function summarize(ctx: WaveContext, runId: string, error: string | null): Promise<RunSummary> {
  return runSummary(runId, await ctx.runs.detail(runId), error);
}
