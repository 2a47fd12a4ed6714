import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CliIO } from '../../../src/cli/io.js';
import { ChildRuns, MAX_CHILD_LINES } from '../../../src/cli/render/child-lines.js';
import { describeEvent, PLAIN } from '../../../src/cli/render/format.js';
import { summaryText } from '../../../src/cli/render/plain-view.js';
import { TtyView } from '../../../src/cli/render/tty-view.js';
import { eventFactory } from '../../web/fixtures.js';

const make = eventFactory('parent-1');
const started = (step: string, child: string, pipeline = 'review') =>
  make({ type: 'child_run_started', step, child_run_id: child, pipeline });
const finished = (step: string, child: string, status: 'completed' | 'failed' | 'cancelled') =>
  make({ type: 'child_run_finished', step, child_run_id: child, status });

function captureIO(): { io: CliIO; text: () => string } {
  const stdout = Object.assign(new PassThrough(), { isTTY: true, columns: 160 });
  let text = '';
  stdout.on('data', (d: Buffer) => {
    text += d.toString();
  });
  const io: CliIO = { stdout, stderr: new PassThrough(), stdin: new PassThrough(), env: {}, cwd: '/' };
  return { io, text: () => text };
}

/** The last frame the view drew: the lines after the final cursor-up. */
function lastFrame(text: string): string[] {
  const ups = [...text.matchAll(/\u001b\[\d+A/g)];
  return text
    .slice(ups.at(-1)?.index ?? 0)
    .split('\n')
    .map((l) => l.replace(/\u001b\[[0-9;]*[A-Za-z]/g, ''))
    .filter(Boolean);
}

describe('child run lines of the live view', () => {
  it('tracks children per step from child_run_started / child_run_finished, in start order', () => {
    const children = new ChildRuns();
    expect(children.apply(started('each', 'c0'))).toBe(true);
    expect(children.apply(started('each', 'c1'))).toBe(true);
    expect(children.apply(started('each', 'c0'))).toBe(false); // a replayed event changes nothing
    expect(children.apply(finished('each', 'c1', 'failed'))).toBe(true);
    expect(children.apply(finished('other', 'c1', 'failed'))).toBe(false);
    expect(children.apply(make({ type: 'run_started', pipeline: 'p', resumed: false }))).toBe(false);
    expect(children.of('each').map((c) => [c.id, c.pipeline, c.status])).toEqual([
      ['c0', 'review', 'running'],
      ['c1', 'review', 'failed'],
    ]);
    children.cancelActive(Date.now());
    expect(children.of('each').map((c) => c.status)).toEqual(['cancelled', 'failed']);
  });

  it('shows every child while they fit, else the active ones, the latest finished and a count of the rest', () => {
    const children = new ChildRuns();
    for (let i = 0; i < 20; i++) children.apply(started('each', `c${i}`));
    for (let i = 0; i < 15; i++) children.apply(finished('each', `c${i}`, i === 3 ? 'failed' : 'completed'));
    const { lines, rest } = children.shown('each');
    expect(lines).toHaveLength(MAX_CHILD_LINES - 1);
    // The 5 running ones (c15..c19) fill the lines; the 15 finished are counted.
    expect(lines.map((c) => c.id)).toEqual(['c15', 'c16', 'c17', 'c18', 'c19']);
    expect(rest).toBe('15 more: 14 completed, 1 failed');
    expect(new ChildRuns().shown('each')).toEqual({ lines: [], rest: null });
  });

  it('draws children indented under their step, with status and pipeline, redrawn in place', () => {
    const { io, text } = captureIO();
    const view = new TtyView(io, { name: 'fan', steps: [{ id: 'prep' }, { id: 'each' }] }, 'parent-1', false);
    view.onEvents([
      make({ type: 'step_started', step: 'each', kind: 'iterate', persona: null, attempt: 1 }),
      started('each', 'child-a', 'review'),
      started('each', 'child-b', 'lint'),
      finished('each', 'child-a', 'completed'),
    ]);
    view.pause();
    view.resume();
    view.finish({
      runId: 'parent-1',
      status: 'completed',
      durationMs: 10,
      steps: [],
      artifacts: [],
      usage: null,
      error: null,
    });
    const frame = lastFrame(text());
    const each = frame.findIndex((l) => /^\S+ each\s+running/.test(l));
    expect(each).toBeGreaterThan(0);
    expect(frame[each + 1]).toMatch(/^ {4}↳ ✓ review\s+completed\s+\S+\s+child-a$/);
    expect(frame[each + 2]).toMatch(/^ {4}↳ \S lint\s+running\s+\S+\s+child-b$/);
    // Four lines were drawn (two steps, two children): the next frame moves up over all four.
    expect(text()).toContain('\u001b[4A');
  });

  it('prints one plain line per child run start and end', () => {
    expect(describeEvent(started('each', 'child-a', 'review'))).toBe(
      '[each] ↳ child run child-a started (pipeline review)',
    );
    expect(describeEvent(finished('each', 'child-a', 'failed'))).toBe('[each] ↳ child run child-a failed');
  });

  it('counts a composition step’s children in the end-of-run summary', () => {
    const text = summaryText(
      {
        runId: 'parent-1',
        status: 'completed',
        durationMs: 2000,
        steps: [
          { id: 'prep', status: 'completed', durationMs: 10, attempts: 1, children: 0 },
          { id: 'each', status: 'completed', durationMs: 1500, attempts: 1, children: 3 },
          { id: 'one', status: 'completed', durationMs: 5, attempts: 1, children: 1 },
        ],
        artifacts: [],
        usage: null,
        error: null,
      },
      PLAIN,
    );
    expect(text).toContain('  prep: completed 10ms\n');
    expect(text).toContain('  each: completed 1.5s, 3 child runs\n');
    expect(text).toContain('  one: completed 5ms, 1 child run\n');
  });
});
