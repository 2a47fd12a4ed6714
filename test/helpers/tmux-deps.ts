import { execFileSync } from 'node:child_process';
import { type ChromiumFacts, chromiumStep, type EnsureDeps, INSTALL_COMMAND } from './chromium.js';

/** Whether tmux (the `wave top` tests' pseudo-terminal) is on PATH, and whether we are root. */
export function tmuxFacts(): ChromiumFacts {
  let present = true;
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
  } catch {
    present = false;
  }
  return { present, root: process.getuid?.() === 0 };
}

/**
 * Makes sure tmux is there before any test starts, as for the browser: installed by
 * `.ci/system-deps` when missing and possible (root), else one line saying what to run.
 */
export function ensureTmux(deps: EnsureDeps): void {
  const step = chromiumStep(deps.facts());
  if (step === 'ready') return;
  if (step === 'cannot-install')
    throw new Error(
      `the wave top tests need tmux, and installing it needs root: run \`${INSTALL_COMMAND}\`, then npm test again`,
    );
  try {
    deps.install();
  } catch {
    throw new Error(`could not install tmux (output above): run \`${INSTALL_COMMAND}\` to retry`);
  }
  if (!deps.facts().present) throw new Error(`${INSTALL_COMMAND} finished but tmux is still missing`);
}
