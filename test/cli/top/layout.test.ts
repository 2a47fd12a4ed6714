import { describe, expect, it } from 'vitest';
import {
  gateLoaded,
  initialUi,
  settleSelection,
  type UiState,
  visibleRuns,
} from '../../../src/cli/top/controller.js';
import { COLOR_PAINT, type FrameInput, PLAIN_PAINT, renderFrame } from '../../../src/cli/top/layout.js';
import { TopModel } from '../../../src/cli/top/model.js';
import { Screen } from '../../../src/cli/top/screen.js';
import { textWidth } from '../../../src/cli/top/text.js';
import { ev, runView } from './fixtures.js';

const strip = (s: string) => s.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');

function frame(m: TopModel, over: Partial<FrameInput> & { ui?: UiState } = {}): string[] {
  const ui = settleSelection(over.ui ?? initialUi(), visibleRuns(m.sorted(), over.ui ?? initialUi()));
  const visible = visibleRuns(m.sorted(), ui);
  const detailsId = 'runId' in ui.mode ? ui.mode.runId : null;
  return renderFrame({
    cols: 80,
    rows: 24,
    now: Date.parse('2026-11-30T12:00:10.000Z'),
    header: { where: 'server http://127.0.0.1:8080 (wave 1.0.0)', maxConcurrent: 5, trouble: null },
    counts: m.counts(),
    visible,
    details: detailsId ? (m.runs.get(detailsId) ?? null) : null,
    paint: PLAIN_PAINT,
    ...over,
    ui,
  });
}

function busyModel(n = 40): TopModel {
  const m = new TopModel();
  m.applyListing(
    Array.from({ length: n }, (_, i) =>
      runView(`pipeline-with-a-long-name-20261130-1200${String(i).padStart(2, '0')}-abcdef`, {
        pipeline: 'pipeline-with-a-long-name',
        status: i % 3 === 0 ? 'running' : 'completed',
        created_at: new Date(Date.UTC(2026, 10, 30, 12, 0, i)).toISOString(),
        trigger: { source: 'webhook', actor: 'someone-with-a-long-name' },
      }),
    ),
  );
  return m;
}

describe('the frames of wave top', () => {
  it('fills 80x24 exactly, no line wider than 80 columns, header first and help last', () => {
    const lines = frame(busyModel());
    expect(lines).toHaveLength(24);
    for (const l of lines) expect(textWidth(strip(l))).toBeLessThanOrEqual(80);
    expect(strip(lines[0]!)).toMatch(/^wave top {2}filter: all {2}● live {2}server http/);
    expect(strip(lines[1]!)).toBe(
      'running 14  waiting 0  queued 0  completed 26  failed 0  cancelled 0  slots 14/5',
    );
    expect(strip(lines[2]!)).toMatch(/^ {2}RUN +PIPELINE +STATUS +STEP +ELAPSED +TRIGGER/);
    expect(strip(lines[23]!)).toContain('q quit');
    // A long id keeps its unique end.
    expect(strip(lines[3]!)).toMatch(/^> …\S*-abcdef /);
  });

  it('draws the same model at any size without a line too wide', () => {
    const m = busyModel();
    for (const [cols, rows] of [
      [20, 6],
      [60, 10],
      [132, 50],
    ] as const) {
      const lines = frame(m, { cols, rows });
      expect(lines).toHaveLength(rows);
      for (const l of lines) expect(textWidth(strip(l))).toBeLessThanOrEqual(cols);
    }
  });

  it('NO_COLOR: no colour codes; with colour, the status is coloured', () => {
    const m = busyModel(6);
    const plain = frame(m).join('\n');
    const coloured = frame(m, { paint: COLOR_PAINT }).join('\n');
    expect(plain).not.toMatch(/\u001b\[3\dm/);
    expect(coloured).toMatch(/\u001b\[32m✓ completed/);
    expect(coloured).toMatch(/\u001b\[36m● running/);
    // The selected row is in reverse video, with or without colour.
    expect(plain).toMatch(/\u001b\[7m> /);
  });

  it('the details pane: steps with status and duration, then the last lines of output', () => {
    const m = new TopModel();
    m.applyListing([
      runView('a-1', { status: 'running', started_at: '2026-11-30T12:00:00.000Z', finished_at: null }),
    ]);
    m.applyEvents([
      ev(
        { type: 'step_started', run_id: 'a-1', step: 'build', kind: 'command', persona: null, attempt: 1 },
        0,
      ),
      ev(
        {
          type: 'step_completed',
          run_id: 'a-1',
          step: 'build',
          status: 'success',
          duration_ms: 1500,
          attempt: 1,
        },
        2,
      ),
      ev(
        { type: 'step_started', run_id: 'a-1', step: 'test', kind: 'command', persona: null, attempt: 1 },
        4,
      ),
      ...Array.from({ length: 40 }, (_, i) =>
        ev({
          type: 'stream_activity',
          run_id: 'a-1',
          step: 'test',
          stream: 'stdout',
          content: `\u001b[31mok ${i}\u0007`,
        }),
      ),
    ]);
    const lines = frame(m, { ui: { ...initialUi(), mode: { kind: 'details', runId: 'a-1' } } }).map(strip);
    const text = lines.join('\n');
    expect(text).toMatch(/✓ build\s+completed 1\.5s/);
    expect(text).toMatch(/● test\s+running\s+6\.0s/);
    expect(text).toContain('[test] ok 39');
    expect(text).not.toContain('\u0007');
    expect(lines).toHaveLength(24);
  });

  it('a gate being answered shows its prompt and numbered choices above the status line', () => {
    const m = new TopModel();
    m.applyListing([runView('g-1', { status: 'waiting' })]);
    const ui = gateLoaded(initialUi(), 'g-1', [
      {
        step: 'ask',
        status: 'waiting',
        prompt: 'Ship it?',
        choices: [
          { key: 'yes', label: 'Ship', target: null },
          { key: 'no', label: 'Stop', target: '_fail' },
        ],
        freeform: false,
        default: 'yes',
        timeout_at: null,
        answer: null,
      },
    ]);
    const lines = frame(m, { ui }).map(strip);
    expect(lines.slice(19, 23)).toEqual([
      'gate ask of g-1: Ship it?',
      '  1) yes  Ship [default]',
      '  2) no  Stop (fails the run)',
      'press 1-2 to answer, Esc to go back',
    ]);
  });

  it('a run whose cancellation was asked shows cancelling until it ends', () => {
    const m = new TopModel();
    m.applyListing([runView('a-1', { status: 'running', finished_at: null, duration_ms: null })]);
    m.markCancelRequested('a-1');
    expect(frame(m).map(strip)[3]).toMatch(/a-1\s+a\s+● cancelling/);
    m.applyEvents([
      ev({ type: 'run_cancelled', run_id: 'a-1', status: 'cancelled', duration_ms: 5, by: null }),
    ]);
    expect(frame(m).map(strip)[3]).toMatch(/a-1\s+a\s+⊘ cancelled/);
  });

  it('says it is reconnecting, in the header', () => {
    const lines = frame(busyModel(1), {
      header: { where: 'server x', maxConcurrent: null, trouble: 'reconnecting (attempt 2): ECONNREFUSED' },
    });
    expect(strip(lines[0]!)).toContain('✗ reconnecting (attempt 2): ECONNREFUSED');
  });
});

describe('the screen', () => {
  it('uses the alternate screen, redraws only the lines that changed, and restores on leave', () => {
    const written: string[] = [];
    const screen = new Screen({ write: (s) => written.push(s) > 0, columns: 80, rows: 3 });
    screen.enter();
    expect(written.pop()).toBe('\u001b[?1049h\u001b[?25l\u001b[2J');
    screen.draw(['a', 'b', 'c']);
    expect(written.pop()).toBe(
      '\u001b[1;1H\u001b[2Ka\u001b[0m\u001b[2;1H\u001b[2Kb\u001b[0m\u001b[3;1H\u001b[2Kc\u001b[0m',
    );
    screen.draw(['a', 'B', 'c']);
    expect(written.pop()).toBe('\u001b[2;1H\u001b[2KB\u001b[0m');
    screen.draw(['a', 'B', 'c']);
    expect(written).toEqual([]);
    screen.invalidate();
    screen.draw(['a', 'B', 'c']);
    expect(written.pop()).toContain('\u001b[1;1H');
    screen.leave();
    expect(written.pop()).toBe('\u001b[0m\u001b[?25h\u001b[?1049l');
    screen.leave();
    screen.draw(['x']);
    expect(written.pop()).toBe('\u001b[0m\u001b[2J');
  });
});
