import { cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { z } from 'zod';
import { BUILTIN_DIR } from '../../config/project-paths.js';
import { EXIT, ExitError } from '../exit.js';
import { type CliIO, out } from '../io.js';
import { ProjectFlags, parseFlags } from '../options.js';

const InitFlags = ProjectFlags.extend({ force: z.boolean().optional() });

const DEFINITION_DIRS = ['pipelines', 'personas', 'contracts', 'prompts'];
const STATE_IGNORE =
  '# Wave state: the run database, workspaces and artifacts\nstate.db*\nworkspaces/\nartifacts/\noutput/\n';

/** `wave init [--force]`: wave.yaml and `.wave/` from the built-in examples. */
export async function runInit(io: CliIO, raw: unknown): Promise<number> {
  const opts = parseFlags(InitFlags, raw);
  const root = resolve(io.cwd, opts.project ?? '.');
  const manifest = opts.config ? resolve(io.cwd, opts.config) : join(root, 'wave.yaml');
  const waveDir = join(root, '.wave');
  const existing = [manifest, ...DEFINITION_DIRS.map((d) => join(waveDir, d))].filter((p) => existsSync(p));
  if (existing.length && !opts.force) {
    throw new ExitError(
      EXIT.usage,
      `refusing to overwrite ${existing.map((p) => relative(io.cwd, p) || p).join(', ')}; run again with --force to replace them`,
    );
  }
  mkdirSync(root, { recursive: true });
  cpSync(join(BUILTIN_DIR, 'wave.yaml'), manifest);
  const written = [manifest];
  for (const dir of DEFINITION_DIRS) {
    const from = join(BUILTIN_DIR, dir);
    if (!existsSync(from) || readdirSync(from).length === 0) continue;
    cpSync(from, join(waveDir, dir), { recursive: true, force: true });
    written.push(join(waveDir, dir));
  }
  const ignore = join(waveDir, '.gitignore');
  if (!existsSync(ignore)) {
    writeFileSync(ignore, STATE_IGNORE);
    written.push(ignore);
  }
  for (const p of written) out(io, `wrote ${relative(io.cwd, p) || p}`);
  out(io, 'next: wave validate, then wave run hello "world"');
  return EXIT.ok;
}
