import { z } from 'zod';
import type { WaveClient } from '../../client/wave-client.js';
import { TERMINAL_RUN_STATUSES } from '../../events/catalogue.js';
import { isOwnerDead } from '../../runs/ids.js';
import type { WaveContext } from '../../runs/local-context.js';
import { killRunProcesses } from '../../runs/orphan-processes.js';
import { markGoneLocalInstances } from '../../runs/owner-liveness.js';
import { LEASE_MS } from '../../runs/supervisor.js';
import { EXIT, ExitError } from '../exit.js';
import { type CliIO, out } from '../io.js';
import { localActor, withLocalContext } from '../local.js';
import { ProjectFlags, parseFlags } from '../options.js';
import { RemoteFlags, remoteClient } from '../remote.js';

const CancelFlags = ProjectFlags.extend(RemoteFlags.shape).extend({ runId: z.string().min(1) });

/**
 * `wave cancel <run-id>`: a queued run ends at once; a running one is stopped by the process
 * that runs it (its change feed tells it, within a second) and this command waits to report the result.
 * A run whose process died is cancelled here directly.
 */
export async function runCancel(io: CliIO, raw: unknown): Promise<number> {
  const opts = parseFlags(CancelFlags, raw);
  const by = localActor(io);
  const client = remoteClient(io, opts);
  if (client) return remoteCancel(io, client, opts.runId);
  return withLocalContext(io, opts, async (ctx) => {
    const { run, requested } = await ctx.runs.cancel(opts.runId, by);
    if (!requested) {
      out(io, `cancelled ${run.id} (it was queued)`);
      return EXIT.ok;
    }
    const deadline = Date.now() + ctx.project.config.runtime.process_grace_ms + 5000;
    for (;;) {
      const now = await ctx.runs.requireRun(run.id);
      if (TERMINAL_RUN_STATUSES.has(now.status)) {
        out(
          io,
          now.status === 'cancelled'
            ? `cancelled ${run.id}`
            : `run ${run.id} ended ${now.status} before the cancellation took effect`,
        );
        return EXIT.ok;
      }
      if (isOwnerDead(now.owner, now.leaseExpiresAt)) {
        await cancelOrphan(ctx, now.id, by);
        out(io, `cancelled ${run.id} (no process was running it)`);
        return EXIT.ok;
      }
      if (Date.now() > deadline) {
        out(io, `cancellation of ${run.id} requested; its process is still stopping`);
        return EXIT.ok;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  });
}

async function cancelOrphan(ctx: WaveContext, runId: string, by: string): Promise<void> {
  await markGoneLocalInstances(ctx.store);
  const run = await ctx.store.claimRun(runId, ctx.owner, LEASE_MS);
  if (!run) return;
  await killRunProcesses(runId);
  const started = run.startedAt ? Date.parse(run.startedAt) : Date.now();
  await ctx.store.append(runId, [
    { type: 'run_cancelled', run_id: runId, status: 'cancelled', duration_ms: Date.now() - started, by },
  ]);
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
    const event = await ctx.runs.answerGate(opts.runId, opts.step, body, localActor(io));
    if (event.type === 'gate_answered')
      out(
        io,
        `answered gate ${event.step} of ${event.run_id}: ${event.choice}${event.text ? ` "${event.text}"` : ''}`,
      );
    return EXIT.ok;
  });
}
