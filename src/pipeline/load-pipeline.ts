import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { applyPipelineCompat, pipelineAcceptedKeys } from './compat.js';
import { type Diagnostic, hasErrors } from './diagnostics.js';
import type { PipelineSpec } from './model.js';
import { normalizePipeline } from './normalize.js';
import { PipelineSchema } from './schema.js';
import { readTextFile } from './text-file.js';
import { type ValidationContext, validatePipeline } from './validate.js';
import { parseYamlSource } from './yaml-source.js';
import { checkWithSchema } from './zod-diagnostics.js';

export interface PipelineEntry {
  name: string;
  file: string;
  /** The YAML text as written ('' when the file is not text). */
  text: string;
  /** null when the file has errors. */
  spec: PipelineSpec | null;
  diagnostics: Diagnostic[];
}

/** `<defs>/pipelines/*.yaml`, name = file name without the extension. */
export function listPipelineFiles(defsDir: string): { name: string; file: string }[] {
  const dir = join(defsDir, 'pipelines');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort()
    .map((f) => ({ name: basename(f).replace(/\.ya?ml$/, ''), file: join(dir, f) }));
}

export function loadPipelineFile(name: string, file: string, ctx: ValidationContext): PipelineEntry {
  const read = readTextFile(file);
  if ('problem' in read) {
    return {
      name,
      file,
      text: '',
      spec: null,
      diagnostics: [{ severity: 'error', file, line: null, path: '', message: read.problem }],
    };
  }
  return parsePipeline(name, file, read.text, ctx);
}

/** Parses, checks and normalises one pipeline, collecting every diagnostic of the file. */
export function parsePipeline(
  name: string,
  file: string,
  text: string,
  ctx: ValidationContext,
): PipelineEntry {
  const { source, diagnostics } = parseYamlSource(file, text);
  if (diagnostics.length) return { name, file, text, spec: null, diagnostics };
  const value = source.value();
  const compat = applyPipelineCompat(value, source);
  diagnostics.push(...compat.diagnostics);
  const checked = checkWithSchema(PipelineSchema, value, source, compat.suppressed, pipelineAcceptedKeys);
  if (!checked.ok) {
    diagnostics.push(...checked.diagnostics);
    return { name, file, text, spec: null, diagnostics: sortDiagnostics(diagnostics) };
  }
  const { spec, diagnostics: shapeDiags } = normalizePipeline(checked.data, {
    name,
    source,
    resolvePath: ctx.resolvePath,
  });
  diagnostics.push(...shapeDiags);
  diagnostics.push(...validatePipeline(spec, source, ctx));
  const metaName = checked.data.metadata?.name;
  if (metaName && metaName !== name) {
    diagnostics.push({
      severity: 'warning',
      file,
      line: source.lineOf(['metadata', 'name']),
      path: 'metadata.name',
      message: `metadata.name "${metaName}" differs from the file name; the pipeline is called "${name}"`,
    });
  }
  return {
    name,
    file,
    text,
    spec: hasErrors(diagnostics) ? null : spec,
    diagnostics: sortDiagnostics(diagnostics),
  };
}

function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  return [...list].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}
