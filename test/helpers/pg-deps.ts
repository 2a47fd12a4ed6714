import { type ChromiumFacts, chromiumStep, type EnsureDeps, INSTALL_COMMAND } from './chromium.js';
import { postgresBinDir } from './pg-cluster.js';

/** Whether Debian's PostgreSQL server programs are installed, and whether we are root. */
export function postgresFacts(): ChromiumFacts {
  return { present: postgresBinDir() !== null, root: process.getuid?.() === 0 };
}

/** As for the browser: installed by `.ci/system-deps` when missing and possible, else one line. */
export function ensurePostgres(deps: EnsureDeps): void {
  const step = chromiumStep(deps.facts());
  if (step === 'ready') return;
  if (step === 'cannot-install')
    throw new Error(
      `the PostgreSQL tests need Debian's postgresql, and installing it needs root: run \`${INSTALL_COMMAND}\`, then npm test again`,
    );
  try {
    deps.install();
  } catch {
    throw new Error(`could not install postgresql (output above): run \`${INSTALL_COMMAND}\` to retry`);
  }
  if (!deps.facts().present) throw new Error(`${INSTALL_COMMAND} finished but initdb is still missing`);
}
