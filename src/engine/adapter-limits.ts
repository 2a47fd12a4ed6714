import { randomUUID } from 'node:crypto';
import type { AdapterConfig } from '../config/manifest-schema.js';
import { parseDuration } from '../pipeline/duration.js';
import type { AdapterPlaceStore, AdapterTicket } from '../store/adapter-places.js';

/**
 * Per-adapter limits (API.md "Changes and agent limits"): at most `max_concurrent` prompt steps
 * on an adapter at once, and at most `rate_limit.requests` starts in any `rate_limit.per`
 * window. Steps wait in one FIFO queue per adapter, in the order they asked (became ready),
 * whatever run they belong to; the head of the queue is the only one that may start, so a later
 * step never overtakes an earlier one. An aborted wait leaves the queue at once.
 *
 * With `shared` (every process on one store: `wave serve`s and `wave run`s), `max_concurrent`
 * holds across them: each waiting or running step has a ticket row in the store (adapter, ready
 * time, owner instance whose heartbeat keeps it alive), granted in a transaction when fewer than
 * the cap hold a place and no live ticket is older; positions are counted over every process.
 * The local line still orders this process's steps, and the rate window stays per process.
 */

export interface AdapterLimit {
  /** At most this many at once; null = no cap. */
  maxConcurrent: number | null;
  /** At most `requests` starts in any `perMs` window; null = none. */
  rate: { requests: number; perMs: number } | null;
}

/** A place on an adapter: give it back when the step's attempt ends. */
export interface AdapterLease {
  release(): void;
}

export interface AcquireOptions {
  signal: AbortSignal;
  /** Whose place it is (kept on the store's ticket). */
  who?: { runId: string; step: string };
  /** Called when the step must wait, and again each time it moves up (1-based position in line). */
  onWait?: (position: number) => void;
}

/** The store every process of a project shares, for places that hold across processes. */
export interface SharedPlaces {
  places: AdapterPlaceStore;
  /** This process's instance id (its heartbeat keeps its tickets alive). */
  owner: string;
  leaseMs: number;
  /** Calls `fn` when any process committed (a place may be free); returns an unsubscribe. */
  onChange(fn: () => void): () => void;
  /** Before looking again without news: marks owners known to be gone dead (frees their places). */
  reap?: () => Promise<void>;
}

/** While steps wait on places other processes hold: how often to look again without news. */
const RECHECK_MS = 1000;
/**
 * A place given back is deleted with this process's next take (one transaction less per step)
 * or after this long, whichever comes first: other processes see it free at most this late.
 */
const RELEASE_DELAY_MS = 50;

interface Waiter {
  ticket: AdapterTicket | null;
  /** Its ticket is in the store (in line), granted or not. */
  inLine: boolean;
  resolve: (lease: AdapterLease) => void;
  reject: (err: unknown) => void;
  onWait: ((position: number) => void) | undefined;
  lastPosition: number;
  dispose: () => void;
}

class AdapterQueue {
  running = 0;
  readonly waiting: Waiter[] = [];
  private readonly starts: number[] = [];
  private timer: NodeJS.Timeout | null = null;

  private readonly shared: SharedPlaces | null;
  private pumping = false;
  private again = false;
  private lastReady = 0;
  private unwatch: (() => void) | null = null;
  private recheck: NodeJS.Timeout | null = null;
  /** Tickets whose places were given back here but not yet in the store. */
  private released: string[] = [];
  private releaseTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly adapter: string,
    private readonly limit: AdapterLimit,
    private readonly now: () => number,
    shared: SharedPlaces | null,
  ) {
    // Only a cap is shared; a rate window alone stays per process.
    this.shared = limit.maxConcurrent !== null ? shared : null;
  }

  acquire(opts: AcquireOptions): Promise<AdapterLease> {
    if (opts.signal.aborted) return Promise.reject(abortError(opts.signal));
    if (!this.shared && this.waiting.length === 0 && this.mayStart())
      return Promise.resolve(this.start(null));
    return new Promise<AdapterLease>((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiting.indexOf(waiter);
        if (i < 0) return;
        this.waiting.splice(i, 1);
        reject(abortError(opts.signal));
        // Out of the store's line too; those behind move up; the head may be able to start now.
        if (waiter.ticket && this.shared)
          void this.shared.places.remove(waiter.ticket.id).finally(() => this.pump());
        else this.pump();
      };
      const waiter: Waiter = {
        ticket: this.shared ? this.newTicket(opts.who) : null,
        inLine: false,
        resolve,
        reject,
        onWait: opts.onWait,
        lastPosition: Number.POSITIVE_INFINITY,
        dispose: () => opts.signal.removeEventListener('abort', onAbort),
      };
      opts.signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
      this.pump();
    });
  }

  private newTicket(who: AcquireOptions['who']): AdapterTicket {
    // Strictly increasing here: this process's steps keep their order in the store's line.
    this.lastReady = Math.max(this.now(), this.lastReady + 1);
    const shared = this.shared!;
    return {
      id: randomUUID(),
      adapter: this.adapter,
      owner: shared.owner,
      runId: who?.runId ?? '',
      step: who?.step ?? '',
      readyAt: this.lastReady,
    };
  }

  private pump(): void {
    if (this.shared) void this.pumpShared();
    else this.pumpLocal();
  }

  /** Starts waiters from the head while they may; tells the rest how many are ahead. */
  private pumpLocal(): void {
    while (this.waiting.length > 0 && this.mayStart()) {
      const waiter = this.waiting.shift()!;
      waiter.dispose();
      waiter.resolve(this.start(null));
    }
    this.waiting.forEach((w, i) => {
      // 1-based like a run's queue_position: 1 is next in line.
      if (i + 1 < w.lastPosition) {
        w.lastPosition = i + 1;
        w.onWait?.(i + 1);
      }
    });
    this.armRateTimer();
  }

  /**
   * The store decides: the head takes a place when the rate window allows (a grant means no
   * live ticket of any process is ahead and fewer than the cap hold one); the others join the
   * line so that later-ready steps of other processes queue behind them. One pump at a time.
   */
  private async pumpShared(): Promise<void> {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    const shared = this.shared!;
    const cap = this.limit.maxConcurrent!;
    try {
      do {
        this.again = false;
        for (let i = 0; i < this.waiting.length; i++) {
          const w = this.waiting[i]!;
          const mayTake = i === 0 && this.rateDelay() === 0;
          if (!mayTake && w.inLine) continue;
          let result: Awaited<ReturnType<AdapterPlaceStore['take']>>;
          const released = this.released.splice(0);
          try {
            // A cap of 0 only joins the line.
            result = await shared.places.take(w.ticket!, mayTake ? cap : 0, shared.leaseMs, released);
          } catch (err) {
            this.released.push(...released);
            this.drop(w);
            w.reject(err);
            i = -1;
            continue;
          }
          w.inLine = true;
          if (!this.waiting.includes(w)) {
            // Cancelled meanwhile: a place granted to it goes back at once.
            if (result.granted) await shared.places.remove(w.ticket!.id).catch(() => undefined);
            i = -1;
            continue;
          }
          if (!result.granted) continue;
          this.drop(w);
          w.resolve(this.start(w.ticket));
          i = -1;
        }
        if (this.waiting.length > 0) await this.announceShared();
      } while (this.again);
    } finally {
      this.pumping = false;
    }
    this.watch();
    this.armRateTimer();
  }

  /** Deletes given-back places no take has carried within RELEASE_DELAY_MS. */
  private releaseSoon(): void {
    if (this.releaseTimer) return;
    this.releaseTimer = setTimeout(() => {
      this.releaseTimer = null;
      const ids = this.released.splice(0);
      void Promise.all(
        // Not given back (store unreachable): it frees when this process's heartbeat stops.
        ids.map((id) => this.shared!.places.remove(id).catch(() => undefined)),
      ).then(() => this.pump());
    }, RELEASE_DELAY_MS);
    this.releaseTimer.unref();
  }

  private drop(w: Waiter): void {
    const i = this.waiting.indexOf(w);
    if (i >= 0) this.waiting.splice(i, 1);
    w.dispose();
  }

  /** Positions over every process's waiting tickets. */
  private async announceShared(): Promise<void> {
    const shared = this.shared!;
    const positions = await shared.places.positions(this.adapter, shared.leaseMs).catch(() => null);
    this.waiting.forEach((w, i) => {
      const position = positions?.get(w.ticket!.id) ?? i + 1;
      if (position < w.lastPosition) {
        w.lastPosition = position;
        w.onWait?.(position);
      }
    });
  }

  /** While steps wait, any commit (another process giving a place back) or a while passing looks again. */
  private watch(): void {
    if (this.waiting.length === 0) {
      this.unwatch?.();
      this.unwatch = null;
      if (this.recheck) clearInterval(this.recheck);
      this.recheck = null;
      return;
    }
    this.unwatch ??= this.shared!.onChange(() => this.pump());
    if (!this.recheck) {
      // Places of an owner that died free up without a commit: its lease just runs out.
      const reap = this.shared!.reap;
      this.recheck = setInterval(() => {
        if (!reap) return this.pump();
        void reap()
          .catch(() => undefined)
          .then(() => this.pump());
      }, RECHECK_MS);
      this.recheck.unref();
    }
  }

  private mayStart(): boolean {
    if (this.limit.maxConcurrent !== null && this.running >= this.limit.maxConcurrent) return false;
    return this.rateDelay() === 0;
  }

  /** How long until the rate window admits another start (0: now). */
  private rateDelay(): number {
    const rate = this.limit.rate;
    if (!rate) return 0;
    const now = this.now();
    while (this.starts.length > 0 && this.starts[0]! <= now - rate.perMs) this.starts.shift();
    if (this.starts.length < rate.requests) return 0;
    return this.starts[0]! + rate.perMs - now;
  }

  private armRateTimer(): void {
    if (this.timer || this.waiting.length === 0) return;
    if (this.limit.maxConcurrent !== null && this.running >= this.limit.maxConcurrent) return;
    const delay = this.rateDelay();
    if (delay <= 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.pump();
    }, delay);
    // A process with nothing else to do must not stay up for a rate window.
    this.timer.unref();
  }

  private start(ticket: AdapterTicket | null): AdapterLease {
    this.running++;
    if (this.limit.rate) this.starts.push(this.now());
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.running--;
        if (ticket && this.shared) {
          this.released.push(ticket.id);
          this.releaseSoon();
        }
        this.pump();
      },
    };
  }
}

/** The limits of every adapter of a project, shared by all the runs a process executes. */
export class AdapterLimits {
  /** From wave.yaml `adapters.<name>.max_concurrent` / `rate_limit`. */
  static fromConfig(adapters: Record<string, AdapterConfig>, shared?: SharedPlaces): AdapterLimits {
    const limits: Record<string, AdapterLimit> = {};
    for (const [name, a] of Object.entries(adapters)) {
      limits[name] = {
        maxConcurrent: a.max_concurrent ?? null,
        rate: a.rate_limit
          ? { requests: a.rate_limit.requests, perMs: parseDuration(a.rate_limit.per) ?? 60_000 }
          : null,
      };
    }
    return new AdapterLimits(limits, Date.now, shared ?? null);
  }

  private readonly queues = new Map<string, AdapterQueue>();

  constructor(
    private readonly limits: Record<string, AdapterLimit>,
    private readonly now: () => number = Date.now,
    private readonly shared: SharedPlaces | null = null,
  ) {}

  /** Whether `adapter` has a limit at all (without one, acquiring costs nothing). */
  limited(adapter: string): boolean {
    const limit = this.limits[adapter];
    return !!limit && (limit.maxConcurrent !== null || limit.rate !== null);
  }

  /** Waits for a place on `adapter`; rejects with an AbortError when `signal` aborts first. */
  acquire(adapter: string, opts: AcquireOptions): Promise<AdapterLease> {
    if (!this.limited(adapter)) return Promise.resolve(FREE);
    return this.queue(adapter).acquire(opts);
  }

  /** For /metrics: steps running and waiting, per limited adapter. */
  snapshot(): { adapter: string; running: number; waiting: number }[] {
    return Object.keys(this.limits)
      .filter((name) => this.limited(name))
      .map((adapter) => {
        const q = this.queues.get(adapter);
        return { adapter, running: q?.running ?? 0, waiting: q?.waiting.length ?? 0 };
      });
  }

  private queue(adapter: string): AdapterQueue {
    let q = this.queues.get(adapter);
    if (!q) {
      q = new AdapterQueue(adapter, this.limits[adapter]!, this.now, this.shared);
      this.queues.set(adapter, q);
    }
    return q;
  }
}

const FREE: AdapterLease = { release() {} };

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException('aborted', 'AbortError');
}
