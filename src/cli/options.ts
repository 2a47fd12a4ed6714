import { z } from 'zod';
import { loadProject, type Project } from '../config/load-project.js';
import type { ConfigFlags } from '../config/parse-config.js';
import { EXIT, ExitError } from './exit.js';
import type { CliIO } from './io.js';

/** `-C, --project DIR` and `--config FILE`, taken by every command (CLI.md). */
export const ProjectFlags = z.object({
  project: z.string().min(1).optional(),
  config: z.string().min(1).optional(),
});
export type ProjectFlags = z.infer<typeof ProjectFlags>;

/** Validates a command's options with zod; a failure is a usage error (exit 2) naming the flag. */
export function parseFlags<S extends z.ZodType>(schema: S, raw: unknown): z.infer<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => {
    const flag = i.path.length
      ? `--${String(i.path[0]).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`
      : 'arguments';
    return `${flag}: ${i.message}`;
  });
  throw new ExitError(EXIT.usage, lines.join('\n'));
}

export function openProject(
  io: CliIO,
  flags: ProjectFlags,
  opts: { configFlags?: ConfigFlags; lenient?: boolean } = {},
): Project {
  return loadProject({
    cwd: io.cwd,
    ...(flags.project ? { project: flags.project } : {}),
    ...(flags.config ? { configFile: flags.config } : {}),
    env: io.env,
    ...(opts.configFlags ? { flags: opts.configFlags } : {}),
    ...(opts.lenient ? { lenient: true } : {}),
  });
}

/** Integer flag values arrive as strings from commander. */
export const intFlag = (min: number, max: number) =>
  z.coerce.number({ error: 'expected a number' }).int('expected a whole number').min(min).max(max);
