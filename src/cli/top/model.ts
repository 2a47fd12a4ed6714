import type { RunStatus, StepStatus, Trigger, WaveEvent } from '../../events/catalogue.js';
import { throttledText } from '../../events/throttle-text.js';
import type { RunDetailView, RunView } from '../../service/views.js';

/** What `wave top` knows of one step. */
export interface StepRow {
  id: string;
  status: StepStatus;
  startedAt: string | null;
  durationMs: number | null;
  /** "waiting for the claude adapter, 2 ahead" while it waits for a place on its adapter. */
  throttled: string | null;
}

export interface LogLine {
  seq: number;
  step: string;
  content: string;
}

/** What `wave top` knows of one run: built from a listing, a detail and the events after. */
export interface RunRow {
  id: string;
  pipeline: string;
  status: RunStatus;
  trigger: Trigger;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  cancelRequested: boolean;
  /** Steps in the order they became known (the detail's order once loaded). */
  steps: Map<string, StepRow>;
  /** The last lines of output, oldest first. */
  logs: LogLine[];
}

export const ACTIVE: ReadonlySet<RunStatus> = new Set(['queued', 'running', 'waiting']);
const TERMINAL: ReadonlySet<RunStatus> = new Set(['completed', 'failed', 'cancelled']);
/** Log lines kept per run: what a details pane shows, with room to spare. */
export const LOG_LINES = 50;
/** Longer lines are cut: nobody reads past a screen's width, and memory stays bounded. */
const LINE_CHARS = 400;
/** Runs kept: the newest finished ones beyond this are forgotten (active ones never). */
export const MAX_RUNS = 500;

export type StatusCounts = Record<RunStatus, number>;

/**
 * The state of `wave top`, from a listing of runs and the events after it. No I/O: every change
 * comes through a method, so the dashboard's behaviour is unit-tested without a terminal.
 * Events overwrite state (a status, a step's state), so applying an event the listing already
 * reflected converges to the same state.
 */
export class TopModel {
  readonly runs = new Map<string, RunRow>();

  /** Replaces what is known of the listed runs, keeping their steps and log lines. */
  applyListing(views: readonly RunView[]): void {
    for (const v of views) {
      const row = this.runs.get(v.id);
      this.runs.set(v.id, {
        id: v.id,
        pipeline: v.pipeline,
        status: v.status,
        trigger: v.trigger,
        createdAt: v.created_at,
        startedAt: v.started_at,
        finishedAt: v.finished_at,
        durationMs: v.duration_ms,
        cancelRequested: v.cancel_requested,
        steps: row?.steps ?? new Map(),
        logs: row?.logs ?? [],
      });
    }
    this.trim();
  }

  /** A run's detail: its steps in pipeline order, with their state. */
  applyDetail(d: RunDetailView): void {
    this.applyListing([d]);
    const row = this.runs.get(d.id)!;
    const steps = new Map<string, StepRow>();
    for (const s of d.steps) {
      const known = row.steps.get(s.id);
      steps.set(s.id, {
        id: s.id,
        status: s.status,
        startedAt: s.started_at,
        durationMs: s.duration_ms,
        // The detail does not say a step waits for its adapter; the events did.
        throttled: known?.status === s.status ? known.throttled : null,
      });
    }
    // A step that an event made known since the detail was read keeps its newer state.
    for (const [id, s] of row.steps) if (!steps.has(id) || s.status !== 'pending') steps.set(id, s);
    row.steps = steps;
  }

  /** Earlier output of a run (read from its log): merged with what events brought, by seq. */
  applyLogTail(runId: string, lines: readonly LogLine[]): void {
    const row = this.runs.get(runId);
    if (!row) return;
    const bySeq = new Map<number, LogLine>();
    for (const l of [...lines, ...row.logs]) bySeq.set(l.seq, clip(l));
    row.logs = [...bySeq.values()].sort((a, b) => a.seq - b.seq).slice(-LOG_LINES);
  }

  applyEvents(events: readonly WaveEvent[]): void {
    for (const e of events) this.apply(e);
    this.trim();
  }

  private apply(e: WaveEvent): void {
    if (e.type === 'run_queued') {
      if (this.runs.has(e.run_id))
        this.update(e.run_id, (r) => {
          r.status = 'queued';
        });
      else
        this.runs.set(e.run_id, {
          id: e.run_id,
          pipeline: e.pipeline,
          status: 'queued',
          trigger: e.trigger,
          createdAt: e.ts,
          startedAt: null,
          finishedAt: null,
          durationMs: null,
          cancelRequested: false,
          steps: new Map(),
          logs: [],
        });
      return;
    }
    this.update(e.run_id, (r) => applyRunEvent(r, e));
  }

  /** Events of a run not known (older than the listing) change nothing: the listing is newer. */
  private update(id: string, fn: (r: RunRow) => void): void {
    const row = this.runs.get(id);
    if (row) fn(row);
  }

  /** Marks a cancellation asked from here: the store records it without an event. */
  markCancelRequested(id: string): void {
    this.update(id, (r) => {
      r.cancelRequested = true;
    });
  }

  counts(): StatusCounts {
    const c: StatusCounts = { queued: 0, running: 0, waiting: 0, completed: 0, failed: 0, cancelled: 0 };
    for (const r of this.runs.values()) c[r.status]++;
    return c;
  }

  /** Active runs first (newest first), then finished ones, newest first. */
  sorted(): RunRow[] {
    return [...this.runs.values()].sort((a, b) => {
      const active = Number(ACTIVE.has(b.status)) - Number(ACTIVE.has(a.status));
      if (active !== 0) return active;
      return a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1;
    });
  }

  private trim(): void {
    if (this.runs.size <= MAX_RUNS) return;
    const finished = this.sorted().filter((r) => !ACTIVE.has(r.status));
    for (const r of finished.slice(Math.max(0, finished.length - (this.runs.size - MAX_RUNS))))
      this.runs.delete(r.id);
  }
}

function applyRunEvent(r: RunRow, e: WaveEvent): void {
  switch (e.type) {
    case 'run_started':
      r.status = 'running';
      r.startedAt ??= e.ts;
      r.finishedAt = null;
      r.durationMs = null;
      return;
    case 'run_waiting':
      if (!TERMINAL.has(r.status)) r.status = 'waiting';
      return;
    case 'run_completed':
    case 'run_failed':
    case 'run_cancelled':
      r.status = e.status;
      r.finishedAt = e.ts;
      r.durationMs = e.duration_ms;
      for (const s of r.steps.values()) {
        if (s.status === 'running' || s.status === 'waiting') s.status = 'cancelled';
        s.throttled = null;
      }
      return;
    case 'step_throttled':
      setStep(r, e.step, { throttled: throttledText(e.adapter, e.position) });
      return;
    case 'step_started':
      // A gate starting does not make a waiting run run (as the store's projection says).
      if (e.kind !== 'gate' && r.status === 'waiting') r.status = 'running';
      setStep(r, e.step, { status: 'running', startedAt: e.ts, durationMs: null, throttled: null });
      return;
    case 'contract_passed':
    case 'contract_failed':
      // A review that waited for its adapter has had its turn.
      setStep(r, e.step, { throttled: null });
      return;
    case 'step_completed':
      setStep(r, e.step, { status: 'completed', durationMs: e.duration_ms, throttled: null });
      return;
    case 'step_failed':
      if (!e.will_retry)
        setStep(r, e.step, {
          status: e.error.code === 'cancelled' ? 'cancelled' : 'failed',
          throttled: null,
        });
      return;
    case 'step_skipped':
      setStep(r, e.step, { status: 'skipped', throttled: null });
      return;
    case 'gate_waiting':
      setStep(r, e.step, { status: 'waiting' });
      return;
    case 'gate_answered':
      setStep(r, e.step, { status: 'completed' });
      return;
    case 'stream_activity':
      r.logs.push(clip({ seq: e.seq, step: e.step, content: e.content }));
      if (r.logs.length > LOG_LINES * 2) r.logs = r.logs.slice(-LOG_LINES);
      return;
    default:
      return;
  }
}

function setStep(r: RunRow, id: string, change: Partial<StepRow>): void {
  const step = r.steps.get(id) ?? {
    id,
    status: 'pending',
    startedAt: null,
    durationMs: null,
    throttled: null,
  };
  r.steps.set(id, { ...step, ...change });
}

function clip(l: LogLine): LogLine {
  return l.content.length > LINE_CHARS ? { ...l, content: l.content.slice(0, LINE_CHARS) } : l;
}

/** The step a run is busy with: the latest started one still running or waiting, and how many more. */
export function currentStep(r: RunRow): string | null {
  if (TERMINAL.has(r.status)) return null;
  const busy = [...r.steps.values()].filter((s) => s.status === 'running' || s.status === 'waiting');
  if (busy.length === 0) return null;
  busy.sort((a, b) => ((a.startedAt ?? '') < (b.startedAt ?? '') ? 1 : -1));
  return busy.length > 1 ? `${busy[0]!.id} +${busy.length - 1}` : busy[0]!.id;
}

/** A step of an active run waiting for a place on its adapter (the first, in pipeline order). */
export function throttledStep(r: RunRow): StepRow | null {
  if (TERMINAL.has(r.status)) return null;
  return [...r.steps.values()].find((s) => s.throttled !== null) ?? null;
}

/** How long the run has taken so far, or took. */
export function elapsedMs(r: RunRow, now: number): number {
  if (r.durationMs !== null && TERMINAL.has(r.status)) return r.durationMs;
  const from = r.startedAt ?? r.createdAt;
  const to = r.finishedAt ? Date.parse(r.finishedAt) : now;
  return Math.max(0, to - Date.parse(from));
}
