import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CliIO } from '../../../src/cli/io.js';
import { describeEvent } from '../../../src/cli/render/format.js';
import { TtyView } from '../../../src/cli/render/tty-view.js';
import { eventFactory } from '../../web/fixtures.js';

// A prompt step waiting for its adapter (step_throttled) in the CLI's live and plain views.

const make = eventFactory('run-1');
const throttled = (position: number) =>
  make({ type: 'step_throttled', step: 'plan', adapter: 'claude', position });

describe('step_throttled in the CLI', () => {
  it('the live view keeps the step pending and says what it waits for, as the line moves', () => {
    const stdout = Object.assign(new PassThrough(), { isTTY: true, columns: 160 });
    let text = '';
    stdout.on('data', (d: Buffer) => {
      text += d.toString();
    });
    const io: CliIO = { stdout, stderr: new PassThrough(), stdin: new PassThrough(), env: {}, cwd: '/' };
    const view = new TtyView(io, { name: 'p', steps: [{ id: 'plan' }] }, 'run-1', false);
    view.onEvents([throttled(3)]);
    view.pause();
    expect(text).toMatch(/plan\s+pending\s+waiting for the claude adapter, 2 ahead/);
    view.resume();
    view.onEvents([throttled(1)]);
    view.finish({
      runId: 'run-1',
      status: 'cancelled',
      durationMs: 10,
      steps: [],
      artifacts: [],
      usage: null,
      error: null,
    });
    expect(text).toMatch(/plan\s+pending\s+waiting for the claude adapter, next in line/);
  });

  it('the plain view prints one line per place in line', () => {
    expect(describeEvent(throttled(3))).toBe('[plan] waiting for the claude adapter, 2 ahead');
    expect(describeEvent(throttled(1))).toBe('[plan] waiting for the claude adapter, next in line');
  });
});
