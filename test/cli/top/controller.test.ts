import { describe, expect, it } from 'vitest';
import {
  type Effect,
  FILTERS,
  gateLoaded,
  initialUi,
  press,
  settleSelection,
  type UiState,
  visibleRuns,
} from '../../../src/cli/top/controller.js';
import { type Key, parseKeys } from '../../../src/cli/top/keys.js';
import { TopModel } from '../../../src/cli/top/model.js';
import type { GateView } from '../../../src/service/views.js';
import { runView } from './fixtures.js';

function setup() {
  const m = new TopModel();
  m.applyListing([
    runView('build-1', { status: 'running', created_at: '2026-11-30T12:00:03.000Z' }),
    runView('deploy-1', { status: 'waiting', created_at: '2026-11-30T12:00:02.000Z' }),
    runView('build-0', { status: 'failed', created_at: '2026-11-30T12:00:01.000Z' }),
    runView('lint-0', { status: 'completed', created_at: '2026-11-30T12:00:00.000Z' }),
  ]);
  return m;
}

/** Types `input` (raw terminal bytes) and returns the state and every effect asked for. */
function typeKeys(m: TopModel, input: string, start: UiState = initialUi()) {
  let ui = start;
  const effects: Effect[] = [];
  for (const key of parseKeys(input)) {
    const visible = visibleRuns(m.sorted(), ui);
    const r = press(settleSelection(ui, visible), key, visible, 10);
    ui = r.ui;
    effects.push(...r.effects);
  }
  return { ui: settleSelection(ui, visibleRuns(m.sorted(), ui)), effects };
}

const GATE: GateView = {
  step: 'ask',
  status: 'waiting',
  prompt: 'Ship?',
  choices: [
    { key: 'yes', label: 'Ship', target: null },
    { key: 'no', label: 'Stop', target: '_fail' },
  ],
  freeform: true,
  default: null,
  timeout_at: null,
  answer: null,
};

describe('keys of wave top', () => {
  it('parses arrows, Enter, Escape, Ctrl-C, Backspace and characters; unknown sequences are dropped whole', () => {
    const names = (s: string) => parseKeys(s).map((k: Key) => (k.name === 'char' ? k.char : k.name));
    expect(names('\u001b[A\u001b[Bjk\r\u001b\u0003\u007fé')).toEqual([
      'up',
      'down',
      'j',
      'k',
      'enter',
      'escape',
      'ctrl-c',
      'backspace',
      'é',
    ]);
    expect(names('\u001b[15~x\u001bOB')).toEqual(['x', 'down']);
  });

  it('arrows and j/k move the selection over the visible runs, stopping at the ends', () => {
    const m = setup();
    expect(typeKeys(m, '').ui.selected).toBe('build-1');
    expect(typeKeys(m, 'j').ui.selected).toBe('deploy-1');
    expect(typeKeys(m, 'jj\u001b[A').ui.selected).toBe('deploy-1');
    expect(typeKeys(m, 'jjjjjj').ui.selected).toBe('lint-0');
    expect(typeKeys(m, 'kkk').ui.selected).toBe('build-1');
  });

  it('f cycles the filters in order and back to all; the selection follows what is visible', () => {
    const m = setup();
    const seen: string[] = [];
    let ui = initialUi();
    for (let i = 0; i < FILTERS.length + 1; i++) {
      ({ ui } = typeKeys(m, 'f', ui));
      seen.push(
        `${ui.filter}:${visibleRuns(m.sorted(), ui)
          .map((r) => r.id)
          .join(',')}:${ui.selected}`,
      );
    }
    expect(seen).toEqual([
      'active:build-1,deploy-1:build-1',
      'running:build-1:build-1',
      'waiting:deploy-1:deploy-1',
      'queued::null',
      'completed:lint-0:lint-0',
      'failed:build-0:build-0',
      'cancelled::null',
      'all:build-1,deploy-1,build-0,lint-0:build-1',
      'active:build-1,deploy-1:build-1',
    ]);
  });

  it('/ searches by id or pipeline as typed; Enter keeps it, Escape clears it', () => {
    const m = setup();
    const typed = typeKeys(m, '/depl');
    expect(typed.ui.mode).toEqual({ kind: 'search', text: 'depl' });
    expect(visibleRuns(m.sorted(), typed.ui).map((r) => r.id)).toEqual(['deploy-1']);
    const kept = typeKeys(m, '/build\u007f\u007f\u007f\u007f\u007fbuild-0\r');
    expect(kept.ui).toMatchObject({ mode: { kind: 'table' }, search: 'build-0', selected: 'build-0' });
    expect(typeKeys(m, '\u001b', kept.ui).ui.search).toBe('build-0');
    expect(typeKeys(m, '/\u001b', kept.ui).ui.search).toBe('');
  });

  it('c asks first: y cancels the selected run, any other key does not', () => {
    const m = setup();
    const asked = typeKeys(m, 'c');
    expect(asked.ui.mode).toMatchObject({ kind: 'confirm-cancel', runId: 'build-1' });
    expect(asked.effects).toEqual([]);
    expect(typeKeys(m, 'cy').effects).toEqual([{ kind: 'cancel', runId: 'build-1' }]);
    const no = typeKeys(m, 'cn');
    expect(no.effects).toEqual([]);
    expect(no.ui.mode.kind).toBe('table');
  });

  it('g reads the gate; its choices by number; a freeform gate asks for a note, sent on Enter', () => {
    const m = setup();
    const asked = typeKeys(m, 'jg');
    expect(asked.effects).toEqual([{ kind: 'load-gate', runId: 'deploy-1' }]);
    const open = gateLoaded(asked.ui, 'deploy-1', [GATE]);
    expect(open.mode).toMatchObject({ kind: 'gate', runId: 'deploy-1' });
    expect(typeKeys(m, '7', open).ui.mode.kind).toBe('gate');
    const noted = typeKeys(m, '2not now\r', open);
    expect(noted.effects).toEqual([
      { kind: 'answer', runId: 'deploy-1', step: 'ask', choice: 'no', text: 'not now' },
    ]);
    expect(typeKeys(m, '1\r', open).effects).toEqual([
      { kind: 'answer', runId: 'deploy-1', step: 'ask', choice: 'yes', text: null },
    ]);
    const plain = gateLoaded(asked.ui, 'deploy-1', [{ ...GATE, freeform: false }]);
    expect(typeKeys(m, '1', plain).effects).toEqual([
      { kind: 'answer', runId: 'deploy-1', step: 'ask', choice: 'yes', text: null },
    ]);
    expect(typeKeys(m, '\u001b', open).effects).toEqual([]);
    expect(gateLoaded(asked.ui, 'deploy-1', [{ ...GATE, status: 'answered' }]).message).toMatchObject({
      error: true,
      text: expect.stringContaining('no gate waiting'),
    });
  });

  it('Enter opens the details of the selected run and Enter or Escape closes them; q and Ctrl-C quit', () => {
    const m = setup();
    const open = typeKeys(m, 'j\r');
    expect(open.ui.mode).toEqual({ kind: 'details', runId: 'deploy-1' });
    expect(open.effects).toEqual([{ kind: 'load-details', runId: 'deploy-1' }]);
    expect(typeKeys(m, 'c', open.ui).ui.mode).toMatchObject({ kind: 'confirm-cancel', runId: 'deploy-1' });
    expect(typeKeys(m, '\r', open.ui).ui.mode.kind).toBe('table');
    expect(typeKeys(m, '\u001b', open.ui).ui.mode.kind).toBe('table');
    expect(typeKeys(m, 'q').effects).toEqual([{ kind: 'quit' }]);
    expect(typeKeys(m, '/q\u0003').effects).toEqual([{ kind: 'quit' }]);
    // In the search, q is a letter.
    expect(typeKeys(m, '/q').effects).toEqual([]);
  });

  it('r retries the selected failed or cancelled run, and refuses any other', () => {
    const m = setup();
    const running = typeKeys(m, 'ffr');
    expect(running.ui.selected).toBe('build-1');
    expect(running.effects).toEqual([]);
    expect(running.ui.message).toMatchObject({ error: true });
    expect(running.ui.message?.text).toContain('only a failed or cancelled run is retried');
    // f six times: the failed filter.
    const failed = typeKeys(m, 'ffffffr');
    expect(failed.ui.selected).toBe('build-0');
    expect(failed.effects).toEqual([{ kind: 'retry', runId: 'build-0' }]);
    expect(failed.ui.message).toEqual({ text: 'retrying build-0…', error: false });
  });
});
