import { z } from 'zod';
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
    const run = await ctx.runs.resume(opts.runId);
    return runInForeground(io, ctx, run, {
      json: opts.json ?? false,
      detached: run.options.detached ?? false,
    });
  });
}
