import type { RunStatus, StepStatus } from '../../events/catalogue.js';
import { COLOR, formatDuration, PLAIN, type Styles } from '../render/format.js';
import type { Mode, UiState } from './controller.js';
import { ACTIVE, currentStep, elapsedMs, type RunRow, type StatusCounts, throttledStep } from './model.js';
import { cell, cellTail, printable, textWidth, truncate } from './text.js';

export interface Paint extends Styles {
  inverse(s: string): string;
}

export const COLOR_PAINT: Paint = { ...COLOR, inverse: (s) => `\u001b[7m${s}\u001b[27m` };
/** NO_COLOR: no colours; reverse video marks the selection (it is not a colour). */
export const PLAIN_PAINT: Paint = { ...PLAIN, inverse: COLOR_PAINT.inverse };

export interface Header {
  where: string;
  maxConcurrent: number | null;
  /** null: live; else why not (reconnecting …). */
  trouble: string | null;
}

export interface FrameInput {
  cols: number;
  rows: number;
  now: number;
  header: Header;
  counts: StatusCounts;
  visible: readonly RunRow[];
  /** The run of the details pane (the model's, so it is live). */
  details: RunRow | null;
  ui: UiState;
  paint: Paint;
}

const RUN_SYMBOL: Record<RunStatus, string> = {
  queued: '○',
  running: '●',
  waiting: '?',
  completed: '✓',
  failed: '✗',
  cancelled: '⊘',
};
const STEP_SYMBOL: Record<StepStatus, string> = {
  pending: '·',
  running: '●',
  waiting: '?',
  completed: '✓',
  failed: '✗',
  skipped: '-',
  cancelled: '⊘',
};

function tint(p: Paint, status: RunStatus | StepStatus): (s: string) => string {
  switch (status) {
    case 'running':
      return p.cyan;
    case 'waiting':
      return p.yellow;
    case 'completed':
      return p.green;
    case 'failed':
      return p.red;
    case 'cancelled':
    case 'skipped':
    case 'pending':
    case 'queued':
      return p.dim;
  }
}

export const HELP = '↑↓ jk move  Enter details  c cancel  r retry  g gate  f filter  / search  q quit';

/** The whole screen as lines, each at most `cols` columns wide, exactly `rows` of them. */
export function renderFrame(f: FrameInput): string[] {
  const { cols, rows, paint } = f;
  const top = header(f);
  const bottom = [statusLine(f), paint.dim(truncate(HELP, cols))];
  const dialog = dialogLines(f);
  const bodyRows = Math.max(0, rows - top.length - bottom.length - dialog.length);
  const body =
    f.ui.mode.kind === 'details' || (backOf(f.ui.mode)?.kind === 'details' && f.details)
      ? detailsPane(f, bodyRows)
      : runTable(f, bodyRows);
  const padding = Array.from({ length: Math.max(0, bodyRows - body.length) }, () => '');
  return [...top, ...body, ...padding, ...dialog, ...bottom].slice(0, rows);
}

function backOf(mode: Mode): Mode | null {
  return 'back' in mode ? mode.back : null;
}

function header(f: FrameInput): string[] {
  const { paint: p, counts: c, header: h, ui, cols } = f;
  // Segments cut to what is left, in order of importance: the view, the connection, the place.
  const view = truncate(
    `filter: ${ui.filter}${ui.search ? `  search: ${ui.search}` : ''}`,
    Math.max(0, cols - 10),
  );
  let left = cols - 'wave top'.length - 2 - textWidth(view);
  const conn = truncate(h.trouble ? `✗ ${h.trouble}` : '● live', Math.max(0, left - 2));
  left -= 2 + textWidth(conn);
  const where = truncate(h.where, Math.max(0, left - 2));
  const segments = [
    { text: 'wave top', style: p.bold },
    { text: view, style: (x: string) => x },
    { text: conn, style: h.trouble ? p.red : p.green },
    { text: where, style: p.dim },
  ].filter((x) => x.text !== '');
  const plain = segments.map((x) => x.text).join('  ');
  // Too narrow for even the first segments: the plain text, cut.
  const first =
    textWidth(plain) <= cols ? segments.map((x) => x.style(x.text)).join('  ') : truncate(plain, cols);
  const slots = h.maxConcurrent === null ? '' : `  slots ${c.running}/${h.maxConcurrent}`;
  const counts =
    `running ${c.running}  waiting ${c.waiting}  queued ${c.queued}  ` +
    `completed ${c.completed}  failed ${c.failed}  cancelled ${c.cancelled}${slots}`;
  return [first, truncate(counts, cols)];
}

interface Column {
  title: string;
  min: number;
  max: number;
  value(r: RunRow): string;
  tail?: boolean;
}

function columns(f: FrameInput): { col: Column; width: number }[] {
  const cols: Column[] = [
    { title: 'RUN', min: 14, max: 34, value: (r) => r.id, tail: true },
    { title: 'PIPELINE', min: 8, max: 18, value: (r) => r.pipeline },
    {
      title: 'STATUS',
      min: 11,
      max: 13,
      // A cancellation asked of an active run shows until the run ends.
      value: (r) =>
        `${RUN_SYMBOL[r.status]} ${r.cancelRequested && ACTIVE.has(r.status) ? 'cancelling' : r.status}`,
    },
    { title: 'STEP', min: 6, max: 18, value: (r) => currentStep(r) ?? throttledCell(r) ?? '-' },
    { title: 'ELAPSED', min: 7, max: 7, value: (r) => formatDuration(elapsedMs(r, f.now)) },
    {
      title: 'TRIGGER',
      min: 7,
      max: 16,
      value: (r) => `${r.trigger.source}${r.trigger.actor ? `:${r.trigger.actor}` : ''}`,
    },
  ];
  // Each column gets its minimum, then what is left goes to them in order, up to their maximum.
  const available = f.cols - 2 - (cols.length - 1);
  const widths = cols.map((c) => c.min);
  let left = available - widths.reduce((a, b) => a + b, 0);
  cols.forEach((c, i) => {
    const want = Math.min(c.max, Math.max(c.min, c.title.length, ...f.visible.map((r) => c.value(r).length)));
    const add = Math.max(0, Math.min(left, want - widths[i]!));
    widths[i]! += add;
    left -= add;
  });
  return cols.map((col, i) => ({ col, width: widths[i]! }));
}

function runTable(f: FrameInput, height: number): string[] {
  if (height <= 0) return [];
  const { paint: p, visible } = f;
  const cols = columns(f);
  const title = p.bold(
    truncate(`  ${cols.map(({ col, width }) => cell(col.title, width)).join(' ')}`, f.cols),
  );
  if (visible.length === 0)
    return [
      title,
      p.dim(truncate(f.ui.filter === 'all' && !f.ui.search ? '  no runs yet' : '  no runs match', f.cols)),
    ];
  const room = height - 1;
  const at = Math.max(
    0,
    visible.findIndex((r) => r.id === f.ui.selected),
  );
  // The selection stays in view, in the middle once the list scrolls.
  const first = Math.max(0, Math.min(at - Math.floor(room / 2), visible.length - room));
  const lines = [title];
  for (const r of visible.slice(first, first + room)) {
    const selected = r.id === f.ui.selected;
    const cells = cols.map(({ col, width }) =>
      col.tail ? cellTail(col.value(r), width) : cell(col.value(r), width),
    );
    const plain = truncate(`${selected ? '>' : ' '} ${cells.join(' ')}`, f.cols);
    if (selected) lines.push(p.inverse(plain));
    else {
      // Colour only the status cell: the rest stays readable on any background.
      const statusAt = 2 + cols[0]!.width + 1 + cols[1]!.width + 1;
      const w = cols[2]!.width;
      lines.push(
        plain.slice(0, statusAt) +
          tint(p, r.status)(plain.slice(statusAt, statusAt + w)) +
          plain.slice(statusAt + w),
      );
    }
  }
  return lines;
}

function detailsPane(f: FrameInput, height: number): string[] {
  const { paint: p } = f;
  const r = f.details;
  if (!r) return [p.dim('  the run is no longer in view')];
  const head = [
    p.bold(
      truncate(
        `${r.id}  ${RUN_SYMBOL[r.status]} ${r.status}  ${formatDuration(elapsedMs(r, f.now))}`,
        f.cols,
      ),
    ),
    truncate(
      `pipeline ${r.pipeline} · trigger ${r.trigger.source}${r.trigger.actor ? ` by ${r.trigger.actor}` : ''} · created ${r.createdAt.replace('T', ' ').slice(0, 19)}`,
      f.cols,
    ),
  ];
  const steps = [...r.steps.values()].map((s) => {
    const took =
      s.durationMs !== null
        ? formatDuration(s.durationMs)
        : s.status === 'running' && s.startedAt
          ? formatDuration(Math.max(0, f.now - Date.parse(s.startedAt)))
          : '';
    const note = s.throttled ? `${took ? `${took} · ` : ''}${s.throttled}` : took;
    return tint(
      p,
      s.status,
    )(truncate(`  ${STEP_SYMBOL[s.status]} ${cell(s.id, 20)} ${cell(s.status, 9)} ${note}`, f.cols));
  });
  // Steps take up to half the room; the output gets the rest.
  const avail = Math.max(0, height - head.length - 2);
  const stepRows = Math.min(Math.max(steps.length, 1), Math.max(1, Math.ceil(avail / 2)));
  const logRoom = Math.max(0, avail - stepRows);
  const shownSteps = steps.slice(0, stepRows);
  const logs = (logRoom > 0 ? r.logs.slice(-logRoom) : []).map((l) =>
    truncate(`  [${l.step}] ${printable(l.content)}`, f.cols),
  );
  return [
    ...head,
    p.dim(truncate('steps', f.cols)),
    ...(shownSteps.length ? shownSteps : [p.dim('  (no step has started)')]),
    p.dim(truncate('last output', f.cols)),
    ...logs,
  ].slice(0, height);
}

/** Lines above the status line while a gate is being answered. */
function dialogLines(f: FrameInput): string[] {
  const mode = f.ui.mode;
  if (mode.kind !== 'gate' && mode.kind !== 'gate-note') return [];
  const g = mode.gate;
  const lines = [f.paint.yellow(truncate(`gate ${g.step} of ${mode.runId}: ${g.prompt}`, f.cols))];
  g.choices.slice(0, 9).forEach((c, i) => {
    const fails = c.target === '_fail' ? ' (fails the run)' : '';
    const picked = mode.kind === 'gate-note' && mode.choice === c.key ? '>' : ' ';
    lines.push(
      truncate(
        `${picked} ${i + 1}) ${c.key}  ${c.label}${fails}${g.default === c.key ? ' [default]' : ''}`,
        f.cols,
      ),
    );
  });
  return lines;
}

function statusLine(f: FrameInput): string {
  const { ui, paint: p, cols } = f;
  const mode = ui.mode;
  switch (mode.kind) {
    case 'confirm-cancel':
      return p.yellow(truncate(`cancel run ${mode.runId}? y = yes, any other key = no`, cols));
    case 'search':
      return truncate(`/${mode.text}▏  (Enter keeps the search, Esc clears it)`, cols);
    case 'gate':
      return p.yellow(
        truncate(
          `press 1-${Math.min(9, mode.gate.choices.length)} to answer${mode.gate.freeform ? ' (a note follows)' : ''}, Esc to go back`,
          cols,
        ),
      );
    case 'gate-note':
      return truncate(`note for ${mode.choice} (optional, Enter sends, Esc drops): ${mode.text}▏`, cols);
    default:
      if (!ui.message) return '';
      return (ui.message.error ? p.red : p.cyan)(truncate(ui.message.text, cols));
  }
}

/** A run with no busy step but one waiting for its adapter: that step, marked (the details say why). */
function throttledCell(r: RunRow): string | null {
  const s = throttledStep(r);
  return s ? `${s.id} (wait)` : null;
}
