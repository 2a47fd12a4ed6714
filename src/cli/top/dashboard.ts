import type { WaveEvent } from '../../events/catalogue.js';
import { cancelText } from '../commands/control.js';
import type { RunsApi } from '../runs-api.js';
import {
  type Effect,
  gateLoaded,
  initialUi,
  press,
  settleSelection,
  type UiState,
  visibleRuns,
} from './controller.js';
import { parseKeys } from './keys.js';
import { type Header, type Paint, renderFrame } from './layout.js';
import { readLogTail } from './log-tail.js';
import { ACTIVE, TopModel } from './model.js';
import { Screen, type TerminalOut } from './screen.js';

/** At most this many frames a second: output streaming fast must not cost a redraw per line. */
export const FRAME_MS = 100;
/** Elapsed times move on even when no event arrives. */
const TICK_MS = 1000;
/** Runs read at (re)connection: the newest ones, and every active one besides. */
const LIST_LIMIT = 200;

export interface TerminalIn {
  setRawMode?(raw: boolean): unknown;
  setEncoding(encoding: BufferEncoding): unknown;
  on(event: 'data', fn: (chunk: string) => void): unknown;
  off(event: 'data', fn: (chunk: string) => void): unknown;
  resume(): unknown;
  pause(): unknown;
}

export interface DashboardDeps {
  api: RunsApi;
  /** Recorded as who cancelled or answered. */
  actor: string;
  stdin: TerminalIn;
  stdout: TerminalOut & {
    on(event: 'resize', fn: () => void): unknown;
    off(event: 'resize', fn: () => void): unknown;
  };
  paint: Paint;
  /** Aborting it quits, as `q` does (the command wires SIGTERM and SIGHUP to it). */
  signal: AbortSignal;
}

/**
 * `wave top` while it runs: the model fed by the event stream, keys turned into effects by the
 * controller, frames drawn by the screen at most every FRAME_MS. Resolves when the user quits;
 * the terminal is restored whatever happens.
 */
export async function runDashboard(deps: DashboardDeps): Promise<void> {
  const { api, stdin, stdout } = deps;
  const model = new TopModel();
  const screen = new Screen(stdout);
  const stop = new AbortController();
  let ui: UiState = initialUi();
  const header: Header = { where: '…', maxConcurrent: null, trouble: 'connecting' };

  // --- drawing, throttled ---
  let timer: NodeJS.Timeout | undefined;
  let lastFrame = 0;
  const draw = () => {
    timer = undefined;
    lastFrame = Date.now();
    const visible = visibleRuns(model.sorted(), ui);
    ui = settleSelection(ui, visible);
    const { cols, rows } = screen.size();
    const detailsId = 'runId' in ui.mode ? ui.mode.runId : null;
    screen.draw(
      renderFrame({
        cols,
        rows,
        now: Date.now(),
        header,
        counts: model.counts(),
        visible,
        details: detailsId ? (model.runs.get(detailsId) ?? null) : null,
        ui,
        paint: deps.paint,
      }),
    );
  };
  const dirty = () => {
    if (timer || stop.signal.aborted) return;
    timer = setTimeout(draw, Math.max(0, lastFrame + FRAME_MS - Date.now()));
  };
  const say = (text: string, error = false) => {
    ui = { ...ui, message: { text, error } };
    dirty();
  };
  const failed = (what: string) => (err: unknown) => say(`${what}: ${(err as Error).message}`, true);

  // --- the state: a listing at each (re)connection, events after it ---
  let listing: Promise<void> | null = null;
  /** A resync asked while one was under way: it may have missed what came between. */
  let listAgain = false;
  /** The last listing failed: the next connection lists again even when it resumes from a cursor. */
  let listFailed = false;
  let held: WaveEvent[] | null = null;
  const fetching = new Set<string>();
  const fetchRun = (id: string) => {
    if (fetching.has(id)) return;
    fetching.add(id);
    api
      .get(id)
      .then((d) => model.applyDetail(d))
      .catch(() => undefined)
      .finally(() => {
        fetching.delete(id);
        dirty();
      });
  };
  const relist = async () => {
    // Events arriving meanwhile are held and applied after the listing, which they may postdate.
    held = [];
    listFailed = false;
    try {
      const [recent, active] = await Promise.all([
        api.list({ limit: LIST_LIMIT }),
        api.list({ limit: LIST_LIMIT, statuses: ['queued', 'running', 'waiting'] }),
      ]);
      model.applyListing([...recent.runs, ...active.runs]);
      // Details of active runs give their current step (a run deleted meanwhile is skipped).
      for (const r of active.runs.filter((x) => ACTIVE.has(x.status)).slice(0, 50)) {
        const detail = await api.get(r.id).catch(() => null);
        if (detail) model.applyDetail(detail);
      }
    } catch (err) {
      listFailed = true;
      failed('reading the runs')(err);
    } finally {
      model.applyEvents(held ?? []);
      held = null;
      listing = null;
      if (listAgain) {
        listAgain = false;
        listing = relist();
      }
      dirty();
    }
  };
  const onEvents = (events: WaveEvent[]) => {
    if (held) {
      held.push(...events);
      return;
    }
    model.applyEvents(events);
    // A run this view does not know yet (older than the listing, or trimmed): read it.
    for (const e of events) if (e.type !== 'stream_activity' && !model.runs.has(e.run_id)) fetchRun(e.run_id);
    dirty();
  };
  const refreshWhere = () =>
    api
      .whereAndCap()
      .then((w) => {
        header.where = w.where;
        header.maxConcurrent = w.maxConcurrent;
        dirty();
      })
      .catch(() => undefined);

  // --- effects of keys ---
  const run = (effect: Effect) => {
    switch (effect.kind) {
      case 'quit':
        stop.abort();
        return;
      case 'cancel':
        model.markCancelRequested(effect.runId);
        api
          .cancel(effect.runId, deps.actor)
          .then((o) => say(cancelText(effect.runId, o)))
          .catch(failed(`cancelling ${effect.runId}`));
        return;
      case 'retry':
        api
          .retryDetached(effect.runId, deps.actor)
          .then((id) => say(`retrying ${effect.runId} as ${id}`))
          .catch(failed(`retrying ${effect.runId}`));
        return;
      case 'load-gate':
        api
          .get(effect.runId)
          .then((d) => {
            model.applyDetail(d);
            ui = gateLoaded(ui, effect.runId, d.gates);
            dirty();
          })
          .catch(failed(`reading the gates of ${effect.runId}`));
        return;
      case 'answer':
        api
          .gate(
            effect.runId,
            effect.step,
            { choice: effect.choice, ...(effect.text !== null ? { text: effect.text } : {}) },
            deps.actor,
          )
          .then((g) =>
            say(`answered gate ${g.step} of ${effect.runId}: ${g.answer?.choice ?? effect.choice}`),
          )
          .catch(failed(`answering gate ${effect.step}`));
        return;
      case 'load-details':
        api
          .get(effect.runId)
          .then(async (d) => {
            model.applyDetail(d);
            dirty();
            model.applyLogTail(effect.runId, await readLogTail(api, effect.runId));
            dirty();
          })
          .catch(failed(`reading ${effect.runId}`));
        return;
    }
  };
  const onData = (chunk: string) => {
    for (const key of parseKeys(chunk)) {
      const visible = visibleRuns(model.sorted(), ui);
      const result = press(settleSelection(ui, visible), key, visible, Math.max(1, screen.size().rows - 6));
      ui = result.ui;
      for (const e of result.effects) run(e);
    }
    dirty();
  };
  const onResize = () => {
    screen.invalidate();
    draw();
  };

  const quit = () => stop.abort();
  deps.signal.addEventListener('abort', quit, { once: true });
  const ticker = setInterval(dirty, TICK_MS);
  screen.enter();
  stdin.setRawMode?.(true);
  stdin.setEncoding('utf8');
  stdin.on('data', onData);
  stdin.resume();
  stdout.on('resize', onResize);
  try {
    draw();
    const watching = api.watchEvents(
      {
        onLive: ({ resync }) => {
          header.trouble = null;
          void refreshWhere();
          const stale = resync || listFailed;
          if (stale && listing) listAgain = true;
          else if (stale) listing = relist();
          dirty();
        },
        onEvents,
        onDown: (reason, attempt) => {
          header.trouble = `reconnecting (attempt ${attempt}): ${reason}`;
          dirty();
        },
      },
      stop.signal,
    );
    const stopped = new Promise<void>((resolve) =>
      stop.signal.addEventListener('abort', () => resolve(), { once: true }),
    );
    // The watch ends only when stopped, or with an error nothing can cure (no access).
    await Promise.race([watching, stopped]);
    stop.abort();
    await watching;
  } finally {
    stop.abort();
    clearTimeout(timer);
    clearInterval(ticker);
    deps.signal.removeEventListener('abort', quit);
    stdout.off('resize', onResize);
    stdin.off('data', onData);
    stdin.setRawMode?.(false);
    stdin.pause();
    screen.leave();
  }
}
