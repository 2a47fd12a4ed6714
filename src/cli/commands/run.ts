import { z } from 'zod';
import { EXIT, ExitError } from '../exit.js';
import type { CliIO } from '../io.js';
import { localActor } from '../local.js';
import { ProjectFlags, parseFlags } from '../options.js';
import { RemoteFlags } from '../remote.js';
import { withRunsApi } from '../runs-api.js';

const GateSpec = z
  .string()
  .regex(/^[^=]+=[^:]+(:.*)?$/s, 'expected STEP=KEY or STEP=KEY:TEXT')
  .transform((s) => {
    const eq = s.indexOf('=');
    const rest = s.slice(eq + 1);
    const colon = rest.indexOf(':');
    return {
      step: s.slice(0, eq),
      choice: colon === -1 ? rest : rest.slice(0, colon),
      text: colon === -1 ? null : rest.slice(colon + 1),
    };
  });

const Label = z
  .string()
  .regex(/^[^=]+=.*$/s, 'expected K=V')
  .transform((s) => [s.slice(0, s.indexOf('=')), s.slice(s.indexOf('=') + 1)] as const);

const RunFlags = ProjectFlags.extend(RemoteFlags.shape).extend({
  pipeline: z.string().min(1),
  positionalInput: z.string().optional(),
  input: z.string().optional(),
  autoApprove: z.boolean().optional(),
  gate: z.array(GateSpec).default([]),
  mock: z.boolean().optional(),
  json: z.boolean().optional(),
  detach: z.boolean().optional(),
  label: z.array(Label).default([]),
});

/** `wave run <pipeline> [input]`: runs a pipeline in this process (or detached). */
export async function runRun(io: CliIO, raw: unknown): Promise<number> {
  const opts = parseFlags(RunFlags, raw);
  if (opts.positionalInput !== undefined && opts.input !== undefined) {
    throw new ExitError(EXIT.usage, 'give the input either as an argument or with --input, not both');
  }
  const input = opts.input ?? opts.positionalInput ?? null;
  return withRunsApi(io, opts, (runs) =>
    runs.run({
      pipeline: opts.pipeline,
      input,
      labels: Object.fromEntries(opts.label),
      autoApprove: opts.autoApprove ?? false,
      gates: opts.gate,
      mock: opts.mock ?? false,
      json: opts.json ?? false,
      detach: opts.detach ?? false,
      actor: localActor(io),
    }),
  );
}
