/**
 * Reads a value at `.a.b[0].c` (leading `$` and dot optional); undefined where the path leaves
 * the data. Used by outcomes' `json_path` on artifacts and by webhook trigger matches.
 */
export function jsonPath(data: unknown, path: string): unknown {
  const parts = path
    .replace(/^\$/, '')
    .split(/\.|\[(\d+)\]/)
    .filter((p) => p !== undefined && p !== '');
  let v: unknown = data;
  for (const p of parts) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[p];
  }
  return v;
}
