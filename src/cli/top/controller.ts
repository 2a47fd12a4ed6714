import type { RunStatus } from '../../events/catalogue.js';
import type { GateView } from '../../service/views.js';
import type { Key } from './keys.js';
import { ACTIVE, type RunRow } from './model.js';

/** What `f` cycles through. */
export const FILTERS = [
  'all',
  'active',
  'running',
  'waiting',
  'queued',
  'completed',
  'failed',
  'cancelled',
] as const;
export type Filter = (typeof FILTERS)[number];

export type Mode =
  | { kind: 'table' }
  | { kind: 'details'; runId: string }
  | { kind: 'confirm-cancel'; runId: string; back: Mode }
  | { kind: 'gate'; runId: string; gate: GateView; back: Mode }
  | { kind: 'gate-note'; runId: string; gate: GateView; choice: string; text: string; back: Mode }
  | { kind: 'search'; text: string };

export interface UiState {
  mode: Mode;
  selected: string | null;
  filter: Filter;
  search: string;
  message: { text: string; error: boolean } | null;
}

/** What the dashboard must do for a key: the controller itself does no I/O. */
export type Effect =
  | { kind: 'quit' }
  | { kind: 'cancel'; runId: string }
  | { kind: 'retry'; runId: string }
  | { kind: 'load-gate'; runId: string }
  | { kind: 'load-details'; runId: string }
  | { kind: 'answer'; runId: string; step: string; choice: string; text: string | null };

/** Only a failed or cancelled run can be retried (API.md "Lineage"). */
const RETRYABLE: ReadonlySet<RunStatus> = new Set(['failed', 'cancelled']);

export function initialUi(): UiState {
  return { mode: { kind: 'table' }, selected: null, filter: 'all', search: '', message: null };
}

/** The runs the table shows: the filter, then the search (a substring of the id or pipeline). */
export function visibleRuns(sorted: readonly RunRow[], ui: Pick<UiState, 'filter' | 'search'>): RunRow[] {
  const needle = ui.search.toLowerCase();
  return sorted.filter(
    (r) =>
      matchesFilter(r.status, ui.filter) &&
      (needle === '' || r.id.toLowerCase().includes(needle) || r.pipeline.toLowerCase().includes(needle)),
  );
}

function matchesFilter(status: RunStatus, filter: Filter): boolean {
  if (filter === 'all') return true;
  if (filter === 'active') return ACTIVE.has(status);
  return status === filter;
}

/** The selection, kept on a visible run (the first one when the selected run went away). */
export function settleSelection(ui: UiState, visible: readonly RunRow[]): UiState {
  if (visible.some((r) => r.id === ui.selected)) return ui;
  return { ...ui, selected: visible[0]?.id ?? null };
}

type Result = { ui: UiState; effects: Effect[] };

/** One key press: the next state and what to do. */
export function press(ui: UiState, key: Key, visible: readonly RunRow[], pageRows: number): Result {
  if (key.name === 'ctrl-c') return { ui, effects: [{ kind: 'quit' }] };
  const mode = ui.mode;
  switch (mode.kind) {
    case 'search':
      return { ui: typeSearch(ui, mode.text, key), effects: [] };
    case 'confirm-cancel':
      if (key.name === 'char' && (key.char === 'y' || key.char === 'Y'))
        return {
          ui: { ...ui, mode: mode.back, message: { text: `cancelling ${mode.runId}…`, error: false } },
          effects: [{ kind: 'cancel', runId: mode.runId }],
        };
      return {
        ui: { ...ui, mode: mode.back, message: { text: 'not cancelled', error: false } },
        effects: [],
      };
    case 'gate':
      return pickChoice(ui, mode, key);
    case 'gate-note':
      return typeNote(ui, mode, key);
    default:
      return browse(ui, key, visible, pageRows);
  }
}

function browse(ui: UiState, key: Key, visible: readonly RunRow[], pageRows: number): Result {
  const mode = ui.mode;
  const inDetails = mode.kind === 'details';
  const target = mode.kind === 'details' ? mode.runId : ui.selected;
  const none = { ui, effects: [] };
  const cleared = { ...ui, message: null };
  if (key.name === 'escape' || (key.name === 'enter' && inDetails))
    return { ui: { ...cleared, mode: { kind: 'table' } }, effects: [] };
  if (key.name === 'enter')
    return target
      ? {
          ui: { ...cleared, mode: { kind: 'details', runId: target } },
          effects: [{ kind: 'load-details', runId: target }],
        }
      : none;
  const move = {
    up: -1,
    down: 1,
    pageup: -pageRows,
    pagedown: pageRows,
    home: -Infinity,
    end: Infinity,
  } as const;
  if (key.name in move && !inDetails) {
    const at = Math.max(
      0,
      visible.findIndex((r) => r.id === ui.selected),
    );
    const by = move[key.name as keyof typeof move];
    const next = Math.min(visible.length - 1, Math.max(0, at + by));
    return { ui: { ...cleared, selected: visible[next]?.id ?? null }, effects: [] };
  }
  if (key.name !== 'char') return none;
  switch (key.char) {
    case 'q':
      return { ui, effects: [{ kind: 'quit' }] };
    case 'k':
      return browse(ui, { name: 'up' }, visible, pageRows);
    case 'j':
      return browse(ui, { name: 'down' }, visible, pageRows);
    case 'c':
      if (!target) return none;
      return {
        ui: { ...ui, mode: { kind: 'confirm-cancel', runId: target, back: mode }, message: null },
        effects: [],
      };
    case 'g':
      return target ? { ui: cleared, effects: [{ kind: 'load-gate', runId: target }] } : none;
    case 'r': {
      if (!target) return none;
      const status = visible.find((r) => r.id === target)?.status;
      if (status && !RETRYABLE.has(status))
        return {
          ui: {
            ...ui,
            message: {
              text: `run ${target} is ${status}: only a failed or cancelled run is retried`,
              error: true,
            },
          },
          effects: [],
        };
      return {
        ui: { ...ui, message: { text: `retrying ${target}…`, error: false } },
        effects: [{ kind: 'retry', runId: target }],
      };
    }
    case 'f': {
      const filter = FILTERS[(FILTERS.indexOf(ui.filter) + 1) % FILTERS.length]!;
      return { ui: { ...cleared, filter, mode: { kind: 'table' } }, effects: [] };
    }
    case '/':
      return { ui: { ...cleared, mode: { kind: 'search', text: ui.search } }, effects: [] };
    default:
      return none;
  }
}

/** The search applies as it is typed; Enter keeps it, Escape clears it. */
function typeSearch(ui: UiState, text: string, key: Key): UiState {
  if (key.name === 'enter') return { ...ui, mode: { kind: 'table' }, search: text };
  if (key.name === 'escape') return { ...ui, mode: { kind: 'table' }, search: '' };
  const next = edit(text, key);
  return { ...ui, mode: { kind: 'search', text: next }, search: next };
}

function edit(text: string, key: Key): string {
  if (key.name === 'backspace') return [...text].slice(0, -1).join('');
  if (key.name === 'char') return text + key.char;
  return text;
}

/** A gate's choices are picked by their number (1-9) or by arrows and Enter on the highlighted one. */
function pickChoice(ui: UiState, mode: Extract<Mode, { kind: 'gate' }>, key: Key): Result {
  if (key.name === 'escape' || (key.name === 'char' && key.char === 'q'))
    return {
      ui: { ...ui, mode: mode.back, message: { text: 'gate not answered', error: false } },
      effects: [],
    };
  const n = key.name === 'char' ? Number(key.char) : Number.NaN;
  const choice = Number.isInteger(n) && n >= 1 ? mode.gate.choices[n - 1] : undefined;
  if (!choice) return { ui, effects: [] };
  if (mode.gate.freeform)
    return {
      ui: {
        ...ui,
        mode: {
          kind: 'gate-note',
          runId: mode.runId,
          gate: mode.gate,
          choice: choice.key,
          text: '',
          back: mode.back,
        },
      },
      effects: [],
    };
  return answered(ui, mode.back, mode.runId, mode.gate.step, choice.key, null);
}

function typeNote(ui: UiState, mode: Extract<Mode, { kind: 'gate-note' }>, key: Key): Result {
  if (key.name === 'escape')
    return {
      ui: { ...ui, mode: mode.back, message: { text: 'gate not answered', error: false } },
      effects: [],
    };
  if (key.name === 'enter')
    return answered(
      ui,
      mode.back,
      mode.runId,
      mode.gate.step,
      mode.choice,
      mode.text === '' ? null : mode.text,
    );
  return { ui: { ...ui, mode: { ...mode, text: edit(mode.text, key) } }, effects: [] };
}

function answered(
  ui: UiState,
  back: Mode,
  runId: string,
  step: string,
  choice: string,
  text: string | null,
): Result {
  return {
    ui: { ...ui, mode: back, message: { text: `answering gate ${step} with ${choice}…`, error: false } },
    effects: [{ kind: 'answer', runId, step, choice, text }],
  };
}

/** The gate the dashboard asked for has been read: ask it, or say there is none waiting. */
export function gateLoaded(ui: UiState, runId: string, gates: readonly GateView[]): UiState {
  const gate = gates.find((g) => g.status === 'waiting');
  if (!gate)
    return { ...ui, message: { text: `run ${runId} has no gate waiting for an answer`, error: true } };
  const more = gates.filter((g) => g.status === 'waiting').length - 1;
  return {
    ...ui,
    mode: { kind: 'gate', runId, gate, back: ui.mode },
    message: more > 0 ? { text: `${more} more gate(s) waiting after this one`, error: false } : null,
  };
}
