import { WaveError } from '../errors.js';

/** `ignored`: a Go Wave field that Wave accepts and does not act on (one summary line per file). */
export type Severity = 'error' | 'warning' | 'ignored';

/** One problem found in a manifest, pipeline or persona file, with its position. */
export interface Diagnostic {
  severity: Severity;
  file: string;
  line: number | null;
  /** Field path inside the document, e.g. `steps[2].dependencies[0]`; '' for the whole file. */
  path: string;
  message: string;
  /** A suggestion such as `did you mean "build"?` */
  hint?: string;
}

export type PathSegment = string | number;

export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

/** `file:line path: message (hint)`: the format of PIPELINES.md. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line === null ? d.file : `${d.file}:${d.line}`;
  const path = d.path ? ` ${d.path}` : '';
  const hint = d.hint ? ` (${d.hint})` : '';
  const prefix = d.severity === 'error' ? '' : `${d.severity}: `;
  return `${prefix}${where}${path}: ${d.message}${hint}`;
}

export function hasErrors(list: readonly Diagnostic[]): boolean {
  return list.some((d) => d.severity === 'error');
}

/** Thrown when a manifest or pipeline cannot be used; carries every diagnostic, not only the first. */
export class ValidationError extends WaveError {
  readonly diagnostics: Diagnostic[];

  constructor(code: 'invalid_pipeline' | 'invalid_config', diagnostics: Diagnostic[]) {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    super(code, errors.map(formatDiagnostic).join('\n') || 'invalid', {
      issues: errors.map((d) => ({
        file: d.file,
        line: d.line,
        path: d.path,
        message: d.message,
        hint: d.hint ?? null,
      })),
    });
    this.name = 'ValidationError';
    this.diagnostics = diagnostics;
  }
}
