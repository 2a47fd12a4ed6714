import { relative } from 'node:path';
import { z } from 'zod';
import { type Diagnostic, formatDiagnostic } from '../../pipeline/diagnostics.js';
import { didYouMean } from '../../pipeline/suggest.js';
import { scheduleDiagnostics } from '../../scheduler/schedule-diagnostics.js';
import { EXIT } from '../exit.js';
import { type CliIO, err, out } from '../io.js';
import { openProject, ProjectFlags, parseFlags } from '../options.js';

const ValidateFlags = ProjectFlags.extend({
  pipelines: z.array(z.string().min(1)).default([]),
  json: z.boolean().optional(),
  verbose: z.boolean().optional(),
});

/** Paths relative to the working directory read better in a terminal. */
export function displayDiagnostic(d: Diagnostic, cwd: string): string {
  const rel = relative(cwd, d.file);
  const file = d.file === 'environment' || rel.startsWith('../../') ? d.file : rel || d.file;
  return formatDiagnostic({ ...d, file });
}

/**
 * One line per file for the Go Wave fields it has that Wave accepts and does not act on
 * (PIPELINES.md "Go Wave compatibility"): a Go Wave project has dozens per pipeline.
 */
function ignoredSummaries(ignored: readonly Diagnostic[], cwd: string): string[] {
  const perFile = new Map<string, number>();
  for (const d of ignored) perFile.set(d.file, (perFile.get(d.file) ?? 0) + 1);
  return [...perFile].map(([file, n]) => {
    const shown = displayDiagnostic({ severity: 'error', file, line: null, path: '', message: '' }, cwd);
    return `${shown.trimEnd()} ${n} Go Wave field${n === 1 ? '' : 's'} accepted and not acted on; --verbose lists them`;
  });
}

/** `wave validate [pipeline...]`: every error of the manifest and pipelines; exit 0 or 2. */
export async function runValidate(io: CliIO, raw: unknown): Promise<number> {
  const opts = parseFlags(ValidateFlags, raw);
  const project = openProject(io, opts, { lenient: true });
  const known = project.pipelineNames();
  const all: Diagnostic[] = [
    ...project.diagnostics,
    ...scheduleDiagnostics(project.paths.manifestFile, project.config.schedules, known),
  ];
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
  const ignored = all.filter((d) => d.severity === 'ignored');
  if (opts.json) {
    out(
      io,
      JSON.stringify({ valid: errors.length === 0, pipelines: checked, errors, warnings, ignored }, null, 2),
    );
  } else {
    for (const d of opts.verbose ? all : all.filter((x) => x.severity !== 'ignored'))
      err(io, displayDiagnostic(d, io.cwd));
    if (!opts.verbose) for (const line of ignoredSummaries(ignored, io.cwd)) err(io, line);
    const summary = `${checked} pipeline${checked === 1 ? '' : 's'} checked: ${errors.length} error${errors.length === 1 ? '' : 's'}, ${warnings.length} warning${warnings.length === 1 ? '' : 's'}`;
    if (errors.length) err(io, summary);
    else out(io, summary);
  }
  return errors.length ? EXIT.usage : EXIT.ok;
}
