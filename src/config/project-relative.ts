import { sep } from 'node:path';
import type { Diagnostic } from '../pipeline/diagnostics.js';
import { BUILTIN_DIR, type ProjectPaths } from './project-paths.js';

/**
 * Diagnostics as the API shows them: files relative to the project root, the built-in
 * definitions as `(built-in)/…`, in the file name and in the message alike, so no response
 * names a path of the server's disk.
 */
export function projectRelative(paths: ProjectPaths): (d: Diagnostic) => Diagnostic {
  const withSep = (dir: string) => (dir.endsWith(sep) ? dir : dir + sep);
  // Longest first: one folder may lie inside the other.
  const prefixes = (
    [
      [withSep(paths.root), ''],
      [withSep(BUILTIN_DIR), '(built-in)/'],
    ] as const
  ).toSorted((a, b) => b[0].length - a[0].length);
  const shorten = (text: string) => prefixes.reduce((t, [abs, shown]) => t.replaceAll(abs, shown), text);
  return (d) => ({
    ...d,
    file: shorten(d.file),
    message: shorten(d.message),
    ...(d.hint === undefined ? {} : { hint: shorten(d.hint) }),
  });
}
