import { z } from 'zod';
import type { WaveClient } from '../../client/wave-client.js';
import { EXIT, ExitError } from '../exit.js';
import { type CliIO, out } from '../io.js';
import { localActor, withLocalContext } from '../local.js';
import { ProjectFlags, parseFlags } from '../options.js';
import { RemoteFlags, remoteClient } from '../remote.js';

const CancelFlags = ProjectFlags.extend(RemoteFlags.shape).extend({ runId: z.string().min(1) });

/**
 * `wave cancel <run-id>`: a queued run ends at once; a running one is stopped by the process
 * that runs it (it polls, so within a second) and this command waits to report the result.
 * A run whose process died is cancelled here directly.
 */
export async function runCancel(io: CliIO, raw: unknown): Promise<number> {
  const opts = parseFlags(CancelFlags, raw);
  const by = localActor(io);
  const client = remoteClient(io, opts);
  if (client) return remoteCancel(io, client, opts.runId);
  return withLocalContext(io, opts, async (ctx) => {
    const waitMs = ctx.project.config.runtime.process_grace_ms + 5000;
    const outcome = await ctx.runs.cancelAndWait(opts.runId, by, waitMs);
    const id = opts.runId;
    out(
      io,
      outcome.kind === 'queued'
        ? `cancelled ${id} (it was queued)`
        : outcome.kind === 'cancelled'
          ? `cancelled ${id}`
          : outcome.kind === 'orphan'
            ? `cancelled ${id} (no process was running it)`
            : outcome.kind === 'ended'
              ? `run ${id} ended ${outcome.status} before the cancellation took effect`
              : `cancellation of ${id} requested; its process is still stopping`,
    );
    return EXIT.ok;
  });
}

/** Cancels on the server and waits (a bounded while) to report how the run ended. */
async function remoteCancel(io: CliIO, client: WaveClient, runId: string): Promise<number> {
  const run = await client.cancelRun(runId);
  if (run.status === 'cancelled') {
    out(io, `cancelled ${run.id}${run.started_at ? '' : ' (it was queued)'}`);
    return EXIT.ok;
  }
  const deadline = AbortSignal.timeout(20_000);
  const terminal = await client.followRun(runId, () => undefined, { signal: deadline }).catch(() => null);
  if (!terminal) out(io, `cancellation of ${run.id} requested; it is still stopping`);
  else if (terminal.type === 'run_cancelled') out(io, `cancelled ${run.id}`);
  else
    out(
      io,
      `run ${run.id} ended ${terminal.type === 'run_completed' ? 'completed' : 'failed'} before the cancellation took effect`,
    );
  return EXIT.ok;
}

const GateFlags = ProjectFlags.extend(RemoteFlags.shape).extend({
  runId: z.string().min(1),
  step: z.string().min(1),
  choice: z.string().min(1).optional(),
  text: z.string().optional(),
  approve: z.boolean().optional(),
  reject: z.boolean().optional(),
});

/** `wave gate <run-id> <step>`: answers a gate; the first answer wins, atomically. */
export async function runGate(io: CliIO, raw: unknown): Promise<number> {
  const opts = parseFlags(GateFlags, raw);
  const given = [opts.choice !== undefined, opts.approve === true, opts.reject === true].filter(
    Boolean,
  ).length;
  if (given !== 1) throw new ExitError(EXIT.usage, 'give exactly one of --choice KEY, --approve or --reject');
  if (opts.text !== undefined && opts.choice === undefined && !opts.approve && !opts.reject) {
    throw new ExitError(EXIT.usage, '--text goes with --choice, --approve or --reject');
  }
  const body = {
    ...(opts.choice !== undefined ? { choice: opts.choice } : { approved: opts.approve === true }),
    ...(opts.text !== undefined ? { text: opts.text } : {}),
  };
  const client = remoteClient(io, opts);
  if (client) {
    const gate = await client.answerGate(opts.runId, opts.step, body);
    const a = gate.answer;
    out(
      io,
      `answered gate ${gate.step} of ${opts.runId}: ${a?.choice ?? ''}${a?.text ? ` "${a.text}"` : ''}`,
    );
    return EXIT.ok;
  }
  return withLocalContext(io, opts, async (ctx) => {
    const gate = await ctx.runs.answerGate(opts.runId, opts.step, body, localActor(io));
    const a = gate.answer;
    out(
      io,
      `answered gate ${gate.step} of ${opts.runId}: ${a?.choice ?? ''}${a?.text ? ` "${a.text}"` : ''}`,
    );
    return EXIT.ok;
  });
}
