import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  CANNOT_INSTALL,
  type ChromiumFacts,
  chromiumFacts,
  chromiumStep,
  ensureChromium,
  INSTALL_COMMAND,
} from './chromium.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Facts that change after an install, and a record of the installs asked for. */
function machine(before: ChromiumFacts, installWorks: boolean) {
  let facts = before;
  const installs: string[] = [];
  return {
    installs,
    deps: {
      facts: () => facts,
      install: () => {
        installs.push('.ci/system-deps');
        if (!installWorks) throw new Error('apt-get failed');
        facts = { ...facts, present: true };
      },
    },
  };
}

describe('what npm test does about Chromium', () => {
  it('decides from the facts: present, missing as root, missing without root', () => {
    expect(chromiumStep({ present: true, root: false })).toBe('ready');
    expect(chromiumStep({ present: true, root: true })).toBe('ready');
    expect(chromiumStep({ present: false, root: true })).toBe('install');
    expect(chromiumStep({ present: false, root: false })).toBe('cannot-install');
  });

  it('does nothing when the browser is there', () => {
    const m = machine({ present: true, root: true }, true);
    ensureChromium(m.deps);
    expect(m.installs).toEqual([]);
  });

  it('installs it as root, once', () => {
    const m = machine({ present: false, root: true }, true);
    ensureChromium(m.deps);
    ensureChromium(m.deps);
    expect(m.installs).toEqual(['.ci/system-deps']);
  });

  it('without root, fails with one line naming the command that installs it', () => {
    const m = machine({ present: false, root: false }, true);
    expect(() => ensureChromium(m.deps)).toThrow(CANNOT_INSTALL);
    expect(CANNOT_INSTALL).not.toContain('\n');
    expect(CANNOT_INSTALL).toContain(INSTALL_COMMAND);
    expect(m.installs).toEqual([]);
  });

  it('when the install fails, says so in one line with the command to retry', () => {
    const m = machine({ present: false, root: true }, false);
    let message = '';
    try {
      ensureChromium(m.deps);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain(INSTALL_COMMAND);
    expect(message).not.toContain('\n');
  });

  it('an install that leaves no browser behind is a failure too', () => {
    const m = machine({ present: false, root: true }, true);
    const stuck = { ...m.deps, install: () => m.installs.push('.ci/system-deps') };
    expect(() => ensureChromium(stuck)).toThrow(/still missing/);
  });

  it('.ci/system-deps is harmless a second time (.ci/run runs it before npm test does)', () => {
    // On this machine the browser is there (the global setup saw to it): both runs are no-ops.
    expect(chromiumFacts().present).toBe(true);
    for (let i = 0; i < 2; i++) {
      const out = execFileSync(`${ROOT}.ci/system-deps`, [], { cwd: ROOT, encoding: 'utf8' });
      expect(out).toBe('');
    }
  });
});
