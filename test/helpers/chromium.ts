import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';

/** Debian's Chromium, which the browser tests drive (playwright-core never downloads one). */
export const CHROMIUM = '/usr/bin/chromium';

/** The command that installs it; `.ci/run` runs it too, and a second run does nothing. */
export const INSTALL_COMMAND = 'sudo .ci/system-deps';

export interface ChromiumFacts {
  present: boolean;
  root: boolean;
}

export type ChromiumStep = 'ready' | 'install' | 'cannot-install';

/**
 * What `npm test` does about the browser: nothing when it is there, installs it when it can
 * (root), and otherwise stops. Browser tests are never skipped, so a missing browser with no
 * way to install it is a failure, not a quiet pass.
 */
export function chromiumStep(facts: ChromiumFacts): ChromiumStep {
  if (facts.present) return 'ready';
  return facts.root ? 'install' : 'cannot-install';
}

/** The one line a run without the browser and without root fails with. */
export const CANNOT_INSTALL = `browser tests need ${CHROMIUM}, and installing it needs root: run \`${INSTALL_COMMAND}\`, then npm test again`;

export function chromiumFacts(): ChromiumFacts {
  let present = true;
  try {
    accessSync(CHROMIUM, constants.X_OK);
  } catch {
    present = false;
  }
  return { present, root: process.getuid?.() === 0 };
}

export interface EnsureDeps {
  facts: () => ChromiumFacts;
  /** Runs `.ci/system-deps`; throws if it fails (its own output explains why). */
  install: () => void;
}

/** Runs the project's `.ci/system-deps`, its output shown as it goes. */
export function runSystemDeps(root: string): void {
  execFileSync(join(root, '.ci/system-deps'), [], { cwd: root, stdio: 'inherit' });
}

/** Makes sure the browser is there before any test starts; throws one line when it cannot be. */
export function ensureChromium(deps: EnsureDeps): void {
  const step = chromiumStep(deps.facts());
  if (step === 'ready') return;
  if (step === 'cannot-install') throw new Error(CANNOT_INSTALL);
  try {
    deps.install();
  } catch {
    throw new Error(`could not install ${CHROMIUM} (output above): run \`${INSTALL_COMMAND}\` to retry`);
  }
  if (!deps.facts().present) throw new Error(`${INSTALL_COMMAND} finished but ${CHROMIUM} is still missing`);
}
