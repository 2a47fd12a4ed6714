import { type Document, isPair, isScalar, isSeq, visit } from 'yaml';
import { type Diagnostic, formatPath, type PathSegment } from '../pipeline/diagnostics.js';

const PATTERN = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export type Env = Readonly<Record<string, string | undefined>>;

/** Replaces `${VAR}` / `${VAR:-default}` in one string; returns the names that were missing. */
export function interpolateString(text: string, env: Env): { value: string; missing: string[] } {
  const missing: string[] = [];
  const value = text.replace(PATTERN, (_match, name: string, fallback: string | undefined) => {
    const v = env[name];
    if (fallback !== undefined) return v === undefined || v === '' ? fallback : v;
    if (v === undefined) missing.push(name);
    return v ?? '';
  });
  return { value, missing };
}

/**
 * Interpolates every string value of a YAML document in place (keys are left alone). A missing
 * variable without a default becomes a diagnostic naming it, its line and its field.
 */
export function interpolateDocument(
  doc: Document,
  file: string,
  env: Env,
  lineOfOffset: (offset: number) => number,
): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  visit(doc, {
    Scalar(key, node, ancestors) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('${')) return;
      const { value, missing } = interpolateString(node.value, env);
      node.value = value;
      if (missing.length === 0) return;
      const path = pathOf(ancestors, key);
      for (const name of missing) {
        diagnostics.push({
          severity: 'error',
          file,
          line: node.range ? lineOfOffset(node.range[0]) : null,
          path: formatPath(path),
          message: `environment variable ${name} is not set`,
          hint: `set ${name}, or write \${${name}:-default} to give a default`,
        });
      }
    },
  });
  return diagnostics;
}

function pathOf(ancestors: readonly unknown[], lastKey: unknown): PathSegment[] {
  const path: PathSegment[] = [];
  for (let i = 0; i < ancestors.length; i++) {
    const node = ancestors[i];
    if (isPair(node) && isScalar(node.key)) path.push(String(node.key.value));
    else if (isSeq(node)) {
      const child = ancestors[i + 1];
      const index = child === undefined ? Number(lastKey) : node.items.indexOf(child as never);
      if (index >= 0) path.push(index);
    }
  }
  return path;
}
