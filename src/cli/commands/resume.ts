import { z } from 'zod';
import type { CliIO } from '../io.js';
import { ProjectFlags, parseFlags } from '../options.js';
import { RemoteFlags } from '../remote.js';
import { withRunsApi } from '../runs-api.js';

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
  return withRunsApi(io, opts, (runs) => runs.resume(opts.runId, { json: opts.json ?? false }));
}
