import { z } from 'zod';
import type { CliIO } from '../io.js';
import { localActor } from '../local.js';
import { ProjectFlags, parseFlags } from '../options.js';
import { RemoteFlags } from '../remote.js';
import { withRunsApi } from '../runs-api.js';

const Common = ProjectFlags.extend(RemoteFlags.shape).extend({
  runId: z.string().min(1),
  json: z.boolean().optional(),
  detach: z.boolean().optional(),
});

const ForkFlags = Common.extend({ fromStep: z.string().min(1), input: z.string().optional() });

/** `wave retry <run-id>`: a new run that reuses what completed in a failed or cancelled one. */
export async function runRetry(io: CliIO, raw: unknown): Promise<number> {
  const opts = parseFlags(Common, raw);
  return withRunsApi(io, opts, (runs) =>
    runs.derive(opts.runId, {
      how: { kind: 'retry' },
      json: opts.json ?? false,
      detach: opts.detach ?? false,
      actor: localActor(io),
    }),
  );
}

/** `wave fork <run-id> --from-step S [--input T]`: runs S and its downstream again, reusing the rest. */
export async function runFork(io: CliIO, raw: unknown): Promise<number> {
  const opts = parseFlags(ForkFlags, raw);
  return withRunsApi(io, opts, (runs) =>
    runs.derive(opts.runId, {
      how: { kind: 'fork', fromStep: opts.fromStep },
      ...(opts.input !== undefined ? { input: opts.input } : {}),
      json: opts.json ?? false,
      detach: opts.detach ?? false,
      actor: localActor(io),
    }),
  );
}
