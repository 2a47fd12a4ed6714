import { z } from 'zod';
import { TERMINAL_RUN_STATUSES } from '../../events/catalogue.js';
import { markGoneLocalInstances } from '../../runs/owner-liveness.js';
import { LEASE_MS } from '../../runs/supervisor.js';
import { EXIT, ExitError } from '../exit.js';
import type { CliIO } from '../io.js';
import { withLocalContext } from '../local.js';
import { ProjectFlags, parseFlags } from '../options.js';
import { RemoteFlags, remoteClient } from '../remote.js';
import { runInForeground } from '../run-session.js';

const ResumeFlags = ProjectFlags.extend(RemoteFlags.shape).extend({
  runId: z.string().min(1),
  json: z.boolean().optional(),
});

/**
 * `wave resume <run-id>`: continues a run that stopped (crash, kill -9) from its last completed
 * step, or starts a queued local run (what `--detach` does in the background).
 */
export async function runResume(io: CliIO, raw: unknown): Promise<number> {
  const opts = parseFlags(ResumeFlags, raw);
  if (remoteClient(io, opts)) {
    throw new ExitError(
      EXIT.usage,
      'wave resume works on the local store: a server resumes its own runs when it restarts (server.recovery)',
    );
  }
  return withLocalContext(io, opts, async (ctx) => {
    const existing = await ctx.runs.requireRun(opts.runId);
    if (TERMINAL_RUN_STATUSES.has(existing.status)) {
      throw new ExitError(
        EXIT.usage,
        `run ${existing.id} already ended (${existing.status}); start a new one with wave run ${existing.pipeline}`,
      );
    }
    if (existing.mode === 'server' && existing.status === 'queued') {
      throw new ExitError(EXIT.usage, `run ${existing.id} is queued for a wave serve; the server starts it`);
    }
    await markGoneLocalInstances(ctx.store);
    const run = await ctx.store.claimRun(existing.id, ctx.owner, LEASE_MS);
    if (!run) {
      throw new ExitError(
        EXIT.usage,
        `run ${existing.id} is being run by another live process (${existing.owner}); wave cancel it first, or wait`,
      );
    }
    return runInForeground(io, ctx, run, {
      json: opts.json ?? false,
      detached: run.options.detached ?? false,
    });
  });
}
