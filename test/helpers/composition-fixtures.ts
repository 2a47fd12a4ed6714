import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** test/fixtures/composition/pipelines: small pipelines exercising composition steps. */
export const COMPOSITION_FIXTURES = fileURLToPath(new URL('../fixtures/composition', import.meta.url));

/** The fixture pipelines as a project's files (`.wave/pipelines/…` → content), plus `extra`. */
export function compositionFiles(extra: Record<string, string> = {}): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else files[join('.wave', relative(COMPOSITION_FIXTURES, full))] = readFileSync(full, 'utf8');
    }
  };
  walk(COMPOSITION_FIXTURES);
  return { ...files, ...extra };
}
