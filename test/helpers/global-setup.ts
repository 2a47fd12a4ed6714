import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { chromiumFacts, ensureChromium, runSystemDeps } from './chromium.js';
import { startPgCluster } from './pg-cluster.js';
import { ensurePostgres, postgresFacts } from './pg-deps.js';
import { ensureTmux, tmuxFacts } from './tmux-deps.js';

/** The newest modification time of a file or of any file under a folder. */
function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/**
 * Browser tests need Debian's Chromium, the `wave top` tests tmux, the PostgreSQL tests Debian's
 * postgresql: installed here when missing and possible (root), else the run stops at once with
 * the command that installs them. One throwaway PostgreSQL cluster serves the whole run (each
 * test file makes its own database in it: test/helpers/pg.ts), stopped at the end.
 * End-to-end tests run the real `wave` binary, so dist/ must match src/ (incremental build);
 * browser tests load the built UI (dist/web), rebuilt when its sources changed.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  try {
    ensureChromium({ facts: chromiumFacts, install: () => runSystemDeps(root) });
    ensureTmux({ facts: tmuxFacts, install: () => runSystemDeps(root) });
    ensurePostgres({ facts: postgresFacts, install: () => runSystemDeps(root) });
  } catch (err) {
    // One line, not a stack trace through vitest's internals: the line says what to run.
    process.stderr.write(`npm test: ${(err as Error).message}\n`);
    process.exit(1);
  }
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
  const built = join(root, 'dist/web/index.html');
  const sources = [
    'src/web',
    'src/api/schemas.ts',
    'src/events/catalogue.ts',
    'vite.config.ts',
    'package.json',
  ];
  const builtAt = existsSync(built) ? statSync(built).mtimeMs : 0;
  if (sources.some((s) => newestMtime(join(root, s)) > builtAt)) {
    execFileSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build'], {
      cwd: root,
      stdio: 'inherit',
    });
  }
  const cluster = await startPgCluster();
  project.provide('pgAdminUrl', cluster.adminUrl);
  return () => cluster.stop();
}
