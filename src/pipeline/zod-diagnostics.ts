import type { z } from 'zod';
import { type Diagnostic, formatPath, type PathSegment } from './diagnostics.js';
import { didYouMean } from './suggest.js';
import type { YamlSource } from './yaml-source.js';

interface ZodDefLike {
  type: string;
  shape?: Record<string, unknown>;
  element?: unknown;
  innerType?: unknown;
  options?: unknown[];
  valueType?: unknown;
  in?: unknown;
  getter?: () => unknown;
  left?: unknown;
  right?: unknown;
}

function defOf(schema: unknown): ZodDefLike | undefined {
  return (schema as { _zod?: { def?: ZodDefLike } })?._zod?.def;
}

/** The schemas reachable at `path` (several where a union branches). */
function schemasAt(schema: unknown, path: readonly PathSegment[]): unknown[] {
  let current: unknown[] = [schema];
  for (const seg of path) {
    const next: unknown[] = [];
    for (const s of current.flatMap(unwrap)) {
      const def = defOf(s);
      if (!def) continue;
      if (def.type === 'object' && typeof seg === 'string' && def.shape?.[seg]) next.push(def.shape[seg]);
      else if (def.type === 'array' && typeof seg === 'number') next.push(def.element);
      else if (def.type === 'record') next.push(def.valueType);
    }
    current = next;
  }
  return current.flatMap(unwrap);
}

function unwrap(schema: unknown): unknown[] {
  const def = defOf(schema);
  if (!def) return [];
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'catch':
    case 'readonly':
    case 'nonoptional':
      return unwrap(def.innerType);
    case 'pipe':
      return unwrap(def.in);
    case 'lazy':
      return def.getter ? unwrap(def.getter()) : [];
    case 'union':
      return (def.options ?? []).flatMap(unwrap);
    case 'intersection':
      return [...unwrap(def.left), ...unwrap(def.right)];
    default:
      return [schema];
  }
}

/** Field names a strict object accepts at `path`, for "did you mean". */
export function knownKeysAt(schema: unknown, path: readonly PathSegment[]): string[] {
  const keys = new Set<string>();
  for (const s of schemasAt(schema, path)) {
    const def = defOf(s);
    if (def?.type === 'object' && def.shape) for (const k of Object.keys(def.shape)) keys.add(k);
  }
  return [...keys];
}

function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let v: unknown = root;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

/**
 * Turns zod issues into positioned diagnostics. `basePath` prefixes paths when the schema
 * validated a sub-tree of the file (a persona inside wave.yaml, say).
 */
export function zodIssuesToDiagnostics(
  issues: readonly z.core.$ZodIssue[],
  opts: {
    source: YamlSource;
    schema: unknown;
    input: unknown;
    basePath?: readonly PathSegment[];
    /** Names accepted besides the schema's at a path (Go Wave fields), for did-you-mean. */
    acceptedKeys?: (path: readonly PathSegment[]) => readonly string[];
  },
): Diagnostic[] {
  const base = opts.basePath ?? [];
  const out: Diagnostic[] = [];
  for (const issue of issues) {
    const rel = issue.path.filter((p): p is PathSegment => typeof p !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      const known = [...knownKeysAt(opts.schema, rel), ...(opts.acceptedKeys?.(rel) ?? [])];
      for (const key of issue.keys) {
        const full = [...base, ...rel, key];
        out.push({
          severity: 'error',
          file: opts.source.file,
          line: opts.source.keyLineOf(full),
          path: formatPath(full),
          message: `unknown field "${key}"`,
          hint: didYouMean(key, known) ?? (known.length ? `expected one of: ${known.join(', ')}` : undefined),
        });
      }
      continue;
    }
    const full = [...base, ...rel];
    const received = valueAt(opts.input, rel);
    let message = issue.message;
    let hint: string | undefined;
    if (issue.code === 'invalid_value') {
      const allowed = issue.values.map((v) => String(v));
      message = `${describe(received)} is not allowed; expected one of: ${allowed.join(', ')}`;
      if (typeof received === 'string') hint = didYouMean(received, allowed);
    } else if (issue.code === 'invalid_type') {
      message =
        received === undefined
          ? `required field is missing (expected ${issue.expected})`
          : `expected ${issue.expected}, got ${describe(received)}`;
    } else if (issue.code === 'invalid_union' && received === undefined) {
      message = 'required field is missing';
    }
    out.push({
      severity: 'error',
      file: opts.source.file,
      line: received === undefined ? opts.source.keyLineOf(full) : opts.source.lineOf(full),
      path: formatPath(full),
      message,
      ...(hint ? { hint } : {}),
    });
  }
  return out;
}

/**
 * Validates a YAML document's value with a strict schema; issues already reported by the Go Wave
 * compatibility pass (`suppressed` paths) are left out so nothing is reported twice.
 */
export function checkWithSchema<S extends z.ZodType>(
  schema: S,
  value: unknown,
  source: YamlSource,
  suppressed: readonly PathSegment[][],
  acceptedKeys?: (path: readonly PathSegment[]) => readonly string[],
): { ok: true; data: z.infer<S> } | { ok: false; diagnostics: Diagnostic[] } {
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, data: parsed.data };
  // A set of paths, looked up for each prefix of an issue's path: linear in issues, not
  // issues × suppressed paths (a file may have thousands of each).
  const covered = new Set(suppressed.map((p) => formatPath(p)));
  const issues = parsed.error.issues.filter((i) => {
    const path = i.path.filter((p): p is PathSegment => typeof p !== 'symbol');
    for (let n = 0; n <= path.length; n++) if (covered.has(formatPath(path.slice(0, n)))) return false;
    return true;
  });
  return {
    ok: false,
    diagnostics: zodIssuesToDiagnostics(issues, {
      source,
      schema,
      input: value,
      ...(acceptedKeys ? { acceptedKeys } : {}),
    }),
  };
}
