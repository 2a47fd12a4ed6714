import { createInterface } from 'node:readline/promises';
import type { WaveClient } from '../client/wave-client.js';
import { autoChoice } from '../engine/gate.js';
import { WaveError } from '../errors.js';
import type { EventOf, WaveEvent } from '../events/catalogue.js';
import { EXIT } from './exit.js';
import { type CliIO, err, out, useColor } from './io.js';
import { COLOR, PLAIN } from './render/format.js';
import { terminalGateAsker } from './render/gate-prompt.js';
import { JsonView } from './render/json-view.js';
import { PlainView } from './render/plain-view.js';
import { type RunRenderer, type RunSummary, runSummary } from './render/renderer.js';
import { TtyView } from './render/tty-view.js';
import { runExitCode } from './run-exit-code.js';

export interface RemoteRunOptions {
  pipeline: string;
  input: string | null;
  labels: Record<string, string>;
  autoApprove: boolean;
  presets: Record<string, { choice: string; text: string | null }>;
  json: boolean;
  detach: boolean;
  actor: string;
  /** Creates the run another way (a retry or fork) instead of POST /api/runs; its id is printed first. */
  create?: () => Promise<{ id: string }>;
}

/**
 * `wave run --server`: submits the run, then follows its events over SSE with the same views
 * as a local run. Gates: presets and --auto-approve answer them; on a terminal they are asked
 * inline (another client answering first is shown, not an error); otherwise the run waits for
 * `wave gate`. Ctrl-C on a terminal asks whether to cancel the remote run or just detach.
 */
export async function runRemote(io: CliIO, client: WaveClient, opts: RemoteRunOptions): Promise<number> {
  const pipeline = await client.getPipeline(opts.pipeline);
  const run = opts.create
    ? await opts.create()
    : (
        await client.createRun({
          pipeline: opts.pipeline,
          ...(opts.input !== null ? { input: opts.input } : {}),
          ...(Object.keys(opts.labels).length ? { labels: opts.labels } : {}),
        })
      ).run;
  if (opts.create && !opts.detach) announce(io, run.id, opts.json);
  if (opts.detach) {
    out(io, run.id);
    return EXIT.ok;
  }
  const renderer: RunRenderer = opts.json
    ? new JsonView(io)
    : io.stdout.isTTY
      ? new TtyView(io, { name: pipeline.name, steps: pipeline.steps }, run.id, useColor(io))
      : new PlainView(io, useColor(io) ? COLOR : PLAIN);
  const interactive = Boolean(io.stdin.isTTY && io.stderr.isTTY);
  const ask = interactive ? terminalGateAsker(io, renderer, opts.actor) : null;
  const prompts = new Map<string, AbortController>();
  const stop = new AbortController();

  const answer = async (step: string, choice: string, text: string | null): Promise<boolean> => {
    try {
      await client.answerGate(run.id, step, { choice, ...(text ? { text } : {}) });
      return true;
    } catch (e) {
      if (e instanceof WaveError && e.code === 'gate_not_waiting') return false;
      throw e;
    }
  };

  const onGate = (e: EventOf<'gate_waiting'>) => {
    const preset = opts.presets[e.step];
    const auto = opts.autoApprove ? autoChoice(e) : undefined;
    if (preset || auto) {
      void answer(e.step, preset?.choice ?? auto!.key, preset?.text ?? null).catch((x) =>
        err(io, `wave: ${(x as Error).message}`),
      );
    } else if (ask) {
      const controller = new AbortController();
      prompts.set(e.step, controller);
      void ask(e, (choice, text) => answer(e.step, choice, text), controller.signal);
    } else if (!opts.json) {
      err(
        io,
        `gate "${e.step}" is waiting: answer with wave gate ${run.id} ${e.step} --choice <${e.choices.map((c) => c.key).join('|')}>`,
      );
    }
  };

  const onEvent = (e: WaveEvent) => {
    renderer.onEvents([e]);
    if (e.type === 'gate_waiting') onGate(e);
    if (e.type === 'gate_answered') {
      prompts.get(e.step)?.abort();
      prompts.delete(e.step);
    }
  };

  let interrupted = false;
  const onSigint = async () => {
    if (interrupted) process.exit(EXIT.cancelled);
    interrupted = true;
    if (!interactive) {
      err(io, '\ncancelling the run on the server…');
      await client.cancelRun(run.id).catch(() => undefined);
      return;
    }
    renderer.pause();
    const rl = createInterface({ input: io.stdin, output: io.stderr });
    const reply = (await rl.question(`\ncancel run ${run.id} on the server too? [y/N] `).catch(() => ''))
      .trim()
      .toLowerCase();
    rl.close();
    if (reply === 'y' || reply === 'yes') {
      err(io, 'cancelling the run on the server…');
      await client.cancelRun(run.id).catch((x) => err(io, `wave: ${(x as Error).message}`));
      renderer.resume();
    } else {
      err(io, `detached: the run goes on (wave status ${run.id} --server ${client.baseUrl})`);
      stop.abort();
    }
  };
  const sigint = () => void onSigint();
  process.on('SIGINT', sigint);
  process.on('SIGTERM', sigint);
  try {
    const terminal = await client.followRun(run.id, onEvent, {
      signal: stop.signal,
      onReconnect: (attempt, e) => {
        if (attempt === 1) err(io, `connection to the server lost (${(e as Error).message}); reconnecting…`);
      },
    });
    for (const p of prompts.values()) p.abort();
    if (!terminal) return EXIT.cancelled;
    renderer.finish(await summarize(client, run.id, terminal));
    return runExitCode(terminal.type);
  } finally {
    process.off('SIGINT', sigint);
    process.off('SIGTERM', sigint);
  }
}

/** The new run's id first (CLI.md); on stderr with --json, where stdout is only events. */
export function announce(io: CliIO, id: string, json: boolean): void {
  if (json) err(io, id);
  else out(io, id);
}

async function summarize(client: WaveClient, runId: string, terminal: WaveEvent): Promise<RunSummary> {
  const error = terminal.type === 'run_failed' ? terminal.error.message : null;
  return runSummary(runId, await client.getRun(runId), error);
}
