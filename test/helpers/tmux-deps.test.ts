import { describe, expect, it } from 'vitest';
import type { ChromiumFacts } from './chromium.js';
import { ensureTmux, tmuxFacts } from './tmux-deps.js';

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

describe('what npm test does about tmux', () => {
  it('finds the tmux of this machine', () => {
    expect(tmuxFacts().present).toBe(true);
  });

  it('does nothing when present; installs as root, once; fails naming the command otherwise', () => {
    const there = machine({ present: true, root: false }, true);
    ensureTmux(there.deps);
    expect(there.installs).toEqual([]);
    const root = machine({ present: false, root: true }, true);
    ensureTmux(root.deps);
    ensureTmux(root.deps);
    expect(root.installs).toEqual(['.ci/system-deps']);
    expect(() => ensureTmux(machine({ present: false, root: false }, true).deps)).toThrow(
      /tmux.*sudo \.ci\/system-deps/,
    );
    expect(() => ensureTmux(machine({ present: false, root: true }, false).deps)).toThrow(
      /could not install tmux/,
    );
  });
});
