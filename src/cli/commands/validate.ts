import { relative } from 'node:path';
import { z } from 'zod';
import { type Diagnostic, formatDiagnostic } from '../../pipeline/diagnostics.js';
import { didYouMean } from '../../pipeline/suggest.js';
import { EXIT } from '../exit.js';
import { type CliIO, err, out } from '../io.js';
import { openProject, ProjectFlags, parseFlags } from '../options.js';

const ValidateFlags = ProjectFlags.extend({
  pipelines: z.array(z.string().min(1)).default([]),
  json: z.boolean().optional(),
});

/** Paths relative to the working directory read better in a terminal. */
export function displayDiagnostic(d: Diagnostic, cwd: string): string {
  const rel = relative(cwd, d.file);
  const file = d.file === 'environment' || rel.startsWith('../../') ? d.file : rel || d.file;
  return formatDiagnostic({ ...d, file });
}

/** `wave validate [pipeline...]`: every error of the manifest and pipelines; exit 0 or 2. */
export async function runValidate(io: CliIO, raw: unknown): Promise<number> {
  const opts = parseFlags(ValidateFlags, raw);
  const project = openProject(io, opts, { lenient: true });
  const all: Diagnostic[] = [...project.diagnostics];
  const known = project.pipelineNames();
  const names = opts.pipelines.length ? opts.pipelines : known;
  let checked = 0;
  for (const name of names) {
    const entry = project.pipeline(name);
    if (!entry) {
      const hint = didYouMean(name, known);
      all.push({
        severity: 'error',
        file: name,
        line: null,
        path: '',
        message: `no pipeline named "${name}"`,
        ...(hint ? { hint } : {}),
      });
      continue;
    }
    checked++;
    all.push(...entry.diagnostics);
  }
  const errors = all.filter((d) => d.severity === 'error');
  const warnings = all.filter((d) => d.severity === 'warning');
  if (opts.json) {
    out(io, JSON.stringify({ valid: errors.length === 0, pipelines: checked, errors, warnings }, null, 2));
  } else {
    for (const d of all) err(io, displayDiagnostic(d, io.cwd));
    const summary = `${checked} pipeline${checked === 1 ? '' : 's'} checked: ${errors.length} error${errors.length === 1 ? '' : 's'}, ${warnings.length} warning${warnings.length === 1 ? '' : 's'}`;
    if (errors.length) err(io, summary);
    else out(io, summary);
  }
  return errors.length ? EXIT.usage : EXIT.ok;
}
