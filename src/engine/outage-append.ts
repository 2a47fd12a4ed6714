import type { EventDraft, WaveEvent } from '../events/catalogue.js';
import { isConnectionLost } from '../store/connection-lost.js';
import type { SideEffects, Store } from '../store/store.js';

/** Waits between attempts while the database is away: short at first, then capped. */
const FIRST_WAIT_MS = 100;
const MAX_WAIT_MS = 2000;
/** Events of the run looked at to tell whether an attempt that lost its answer committed. */
const LOOK_BACK = 500;

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Equal as JSON values, whatever the key order. */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Whether a stored event is what `draft` became (a draft without ts takes the commit's). */
function isWrittenDraft(draft: EventDraft, event: WaveEvent): boolean {
  const { seq: _seq, ts, ...rest } = event as WaveEvent & Record<string, unknown>;
  const { ts: draftTs, ...draftRest } = draft as EventDraft & Record<string, unknown>;
  if (draftTs !== undefined && draftTs !== ts) return false;
  return sameValue(rest, draftRest);
}

/**
 * One run's appends that outlive the database going away: an append that fails because the
 * database cannot be reached is tried again (waiting longer each time) until it is back, so
 * running steps carry on and nothing they report is lost. The caller's one promise chain keeps
 * the order. An attempt may have committed and only lost its answer: before trying again, the
 * run's events after the last seq this writer saw are read, and a batch found there is not
 * written twice.
 */
export class OutageAppender {
  /** Every event of the run up to here was committed before the pending write began. */
  private seenSeq: number | null = null;

  /**
   * `neverStarted`: the run has no event but run_queued, which no writer appends, so the search
   * for a lost batch can start at the run's beginning and no read of the last seq is needed.
   */
  /**
   * `halted`: the run was halted here (its leases lapsed, or a shutdown): writes stop waiting for
   * the database, since another worker may own the run by the time it is back.
   */
  constructor(
    private readonly store: Store,
    private readonly runId: string,
    private readonly opts: { neverStarted?: boolean; halted?: () => boolean } = {},
  ) {
    if (opts.neverStarted) this.seenSeq = 0;
  }

  async append(drafts: readonly EventDraft[], side?: SideEffects): Promise<WaveEvent[]> {
    this.seenSeq ??= await this.retrying(() => this.store.lastSeq());
    let delay = FIRST_WAIT_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        if (attempt > 0) {
          const found = await this.alreadyWritten(drafts);
          if (found) return this.saw(found);
        }
        return this.saw(await this.store.append(this.runId, drafts, side));
      } catch (err) {
        if (!isConnectionLost(err) || this.opts.halted?.()) throw err;
        await wait(delay);
        delay = Math.min(delay * 2, MAX_WAIT_MS);
      }
    }
  }

  private saw(events: WaveEvent[]): WaveEvent[] {
    const last = events[events.length - 1];
    if (last && last.seq > (this.seenSeq ?? 0)) this.seenSeq = last.seq;
    return events;
  }

  /** The events `drafts` became, if an earlier attempt committed them (one transaction: all or none). */
  private async alreadyWritten(drafts: readonly EventDraft[]): Promise<WaveEvent[] | null> {
    const first = drafts[0];
    if (!first) return null;
    const rows = await this.store.readEvents({
      runId: this.runId,
      afterSeq: this.seenSeq ?? 0,
      limit: LOOK_BACK + drafts.length,
    });
    const events = rows.map((r) => JSON.parse(r.json) as WaveEvent);
    const at = events.findIndex((e) => isWrittenDraft(first, e));
    if (at < 0) return null;
    return events.slice(at, at + drafts.length);
  }

  private async retrying<T>(fn: () => Promise<T>): Promise<T> {
    let delay = FIRST_WAIT_MS;
    for (;;) {
      try {
        return await fn();
      } catch (err) {
        if (!isConnectionLost(err)) throw err;
        await wait(delay);
        delay = Math.min(delay * 2, MAX_WAIT_MS);
      }
    }
  }
}
