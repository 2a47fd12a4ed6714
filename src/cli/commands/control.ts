import { z } from 'zod';
import { EXIT, ExitError } from '../exit.js';
import { type CliIO, out } from '../io.js';
import { localActor } from '../local.js';
import { ProjectFlags, parseFlags } from '../options.js';
import { RemoteFlags } from '../remote.js';
import { type CancelOutcome, withRunsApi } from '../runs-api.js';

const CancelFlags = ProjectFlags.extend(RemoteFlags.shape).extend({ runId: z.string().min(1) });

/**
 * `wave cancel <run-id>`: a queued run ends at once; a running one is stopped by the process
 * that runs it (it polls, so within a second) and this command waits to report the result.
 * A run whose process died is cancelled here directly.
 */
export async function runCancel(io: CliIO, raw: unknown): Promise<number> {
  const opts = parseFlags(CancelFlags, raw);
  const outcome = await withRunsApi(io, opts, (runs) => runs.cancel(opts.runId, localActor(io)));
  out(io, cancelText(opts.runId, outcome));
  return EXIT.ok;
}

/** How a cancellation ended, in words (also the status line of `wave top`). */
export function cancelText(id: string, outcome: CancelOutcome): string {
  switch (outcome.kind) {
    case 'queued':
      return `cancelled ${id} (it was queued)`;
    case 'cancelled':
      return `cancelled ${id}`;
    case 'orphan':
      return `cancelled ${id} (no process was running it)`;
    case 'ended':
      return `run ${id} ended ${outcome.status} before the cancellation took effect`;
    case 'stopping':
      return `cancellation of ${id} requested; it is still stopping`;
  }
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
  const gate = await withRunsApi(io, opts, (runs) => runs.gate(opts.runId, opts.step, body, localActor(io)));
  const a = gate.answer;
  out(io, `answered gate ${gate.step} of ${opts.runId}: ${a?.choice ?? ''}${a?.text ? ` "${a.text}"` : ''}`);
  return EXIT.ok;
}
