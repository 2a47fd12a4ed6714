import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where a project's files are (PIPELINES.md "Where things are"). */
export interface ProjectPaths {
  /** The project root: `-C DIR`, else the current directory. */
  root: string;
  /** Where pipelines/, personas/, contracts/ are read from: `.wave/`, else `.agents/`, else built-in. */
  defsDir: string;
  defsKind: 'wave' | 'agents' | 'builtin';
  /** The manifest in use: `--config`, else `<root>/wave.yaml`, else the built-in one. */
  manifestFile: string;
  manifestIsBuiltin: boolean;
}

/** The package's own `config/` folder (from src/config or dist/config alike). */
export const BUILTIN_DIR = fileURLToPath(new URL('../../config/', import.meta.url));

const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();
/** A folder holds definitions when it has any of these; `.wave/` with only state.db does not. */
const hasDefinitions = (dir: string) =>
  ['pipelines', 'personas', 'contracts'].some((d) => isDir(join(dir, d)));

export function discoverProject(opts: { cwd: string; project?: string; configFile?: string }): ProjectPaths {
  const root = resolve(opts.cwd, opts.project ?? '.');
  let defsDir = BUILTIN_DIR;
  let defsKind: ProjectPaths['defsKind'] = 'builtin';
  if (hasDefinitions(join(root, '.wave'))) {
    defsDir = join(root, '.wave');
    defsKind = 'wave';
  } else if (hasDefinitions(join(root, '.agents'))) {
    defsDir = join(root, '.agents');
    defsKind = 'agents';
  }
  let manifestFile = join(BUILTIN_DIR, 'wave.yaml');
  let manifestIsBuiltin = true;
  if (opts.configFile) {
    manifestFile = resolve(opts.cwd, opts.configFile);
    manifestIsBuiltin = false;
  } else if (existsSync(join(root, 'wave.yaml'))) {
    manifestFile = join(root, 'wave.yaml');
    manifestIsBuiltin = false;
  }
  return { root, defsDir, defsKind, manifestFile, manifestIsBuiltin };
}

/**
 * Resolves a path written in a manifest or pipeline. `.wave/x` and `.agents/x` name the
 * definitions folder in use (so built-in examples and Go Wave projects resolve alike); other
 * relative paths are relative to the project root.
 */
export function resolveDefinitionPath(paths: ProjectPaths, p: string): string {
  if (isAbsolute(p)) return p;
  const m = /^\.(wave|agents)\/(.*)$/.exec(p.replace(/^\.\//, ''));
  if (m) return join(paths.defsDir, m[2]!);
  return join(paths.root, p);
}

/** Resolves a runtime path (state.db, workspaces): always under the project root. */
export function resolveRuntimePath(paths: ProjectPaths, p: string): string {
  return isAbsolute(p) ? p : join(paths.root, p);
}
