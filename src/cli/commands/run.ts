import { spawn } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { EXIT, ExitError } from '../exit.js';
import { type CliIO, out } from '../io.js';
import { localActor, withLocalContext } from '../local.js';
import { ProjectFlags, parseFlags } from '../options.js';
import { RemoteFlags, remoteClient } from '../remote.js';
import { runRemote } from '../remote-run.js';
import { runInForeground } from '../run-session.js';

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

const BIN = fileURLToPath(new URL('../../../bin/wave.js', import.meta.url));

/** `wave run <pipeline> [input]`: runs a pipeline in this process (or detached). */
export async function runRun(io: CliIO, raw: unknown): Promise<number> {
  const opts = parseFlags(RunFlags, raw);
  if (opts.positionalInput !== undefined && opts.input !== undefined) {
    throw new ExitError(EXIT.usage, 'give the input either as an argument or with --input, not both');
  }
  const input = opts.input ?? opts.positionalInput ?? null;
  // `choicesOf` gives a gate's keys, or 'unknown' when only the server knows them (it checks).
  const presetsOf = (choicesOf: (step: string) => string[] | 'unknown' | null, pipeline: string) => {
    const presets: Record<string, { choice: string; text: string | null }> = {};
    for (const g of opts.gate) {
      const choices = choicesOf(g.step);
      if (!choices)
        throw new ExitError(
          EXIT.usage,
          `--gate ${g.step}=${g.choice}: pipeline "${pipeline}" has no gate step "${g.step}"`,
        );
      if (choices !== 'unknown' && !choices.includes(g.choice))
        throw new ExitError(
          EXIT.usage,
          `--gate ${g.step}=${g.choice}: "${g.choice}" is not a choice (${choices.join(', ')})`,
        );
      presets[g.step] = { choice: g.choice, text: g.text };
    }
    return presets;
  };
  const client = remoteClient(io, opts);
  if (client) {
    if (opts.mock)
      throw new ExitError(
        EXIT.usage,
        '--mock is a server setting with --server: start the server with wave serve --mock',
      );
    const pipeline = await client.getPipeline(opts.pipeline);
    const gates = new Set(pipeline.steps.filter((s) => s.kind === 'gate').map((s) => s.id));
    return runRemote(io, client, {
      pipeline: opts.pipeline,
      input,
      labels: Object.fromEntries(opts.label),
      autoApprove: opts.autoApprove ?? false,
      presets: presetsOf((step) => (gates.has(step) ? 'unknown' : null), opts.pipeline),
      json: opts.json ?? false,
      detach: opts.detach ?? false,
      actor: localActor(io),
    });
  }
  return withLocalContext(io, opts, async (ctx, project) => {
    const spec = project.requirePipeline(opts.pipeline).spec;
    const presets: Record<string, { choice: string; text: string | null }> = {};
    for (const g of opts.gate) {
      const step = spec.steps.find((s) => s.id === g.step);
      if (!step?.gate)
        throw new ExitError(
          EXIT.usage,
          `--gate ${g.step}=${g.choice}: pipeline "${spec.name}" has no gate step "${g.step}"`,
        );
      if (!step.gate.choices.some((c) => c.key === g.choice)) {
        throw new ExitError(
          EXIT.usage,
          `--gate ${g.step}=${g.choice}: "${g.choice}" is not a choice (${step.gate.choices.map((c) => c.key).join(', ')})`,
        );
      }
      presets[g.step] = { choice: g.choice, text: g.text };
    }
    const { run } = await ctx.runs.submit({
      pipeline: opts.pipeline,
      input,
      labels: Object.fromEntries(opts.label),
      trigger: { source: 'cli', actor: localActor(io) },
      mode: 'local',
      options: {
        mock: opts.mock ?? false,
        autoApprove: opts.autoApprove ?? false,
        gates: presets,
        detached: opts.detach ?? false,
      },
      runHere: !opts.detach,
    });

    if (opts.detach) {
      const logDir = project.runtimePath('.wave/logs');
      mkdirSync(logDir, { recursive: true });
      const log = openSync(join(logDir, `${run.id}.log`), 'a');
      const args = [BIN, 'resume', run.id, '-C', project.paths.root];
      if (opts.config) args.push('--config', opts.config);
      const child = spawn(process.execPath, args, {
        detached: true,
        stdio: ['ignore', log, log],
        cwd: project.paths.root,
        env: { ...io.env } as NodeJS.ProcessEnv,
      });
      child.unref();
      out(io, run.id);
      return EXIT.ok;
    }
    return runInForeground(io, ctx, run, { json: opts.json ?? false, detached: false });
  });
}
