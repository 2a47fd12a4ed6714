import type { AdapterConfig } from '../config/manifest-schema.js';
import { parseDuration } from '../pipeline/duration.js';

/**
 * Per-adapter limits (API.md "Changes and agent limits"): at most `max_concurrent` prompt steps
 * on an adapter at once, and at most `rate_limit.requests` starts in any `rate_limit.per`
 * window. Steps wait in one FIFO queue per adapter, in the order they asked (became ready),
 * whatever run they belong to; the head of the queue is the only one that may start, so a later
 * step never overtakes an earlier one. An aborted wait leaves the queue at once.
 *
 * This holds the places of one process. Across servers on one store the same queue would live
 * in the store: a row per waiting or running step (adapter, ready_at, owner instance, lease
 * expiry renewed by the owner's heartbeat, like run leases), a step starting when fewer than
 * `max_concurrent` rows of its adapter run and no row of it is older among the waiting; the
 * start times of the rate window as rows too. This class keeps that shape (acquire → lease,
 * position = rows ahead) so the store-backed version can replace it behind the same interface.
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
  /** Called when the step must wait, and again each time it moves up (1-based position in line). */
  onWait?: (position: number) => void;
}

interface Waiter {
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

  constructor(
    private readonly limit: AdapterLimit,
    private readonly now: () => number,
  ) {}

  acquire(opts: AcquireOptions): Promise<AdapterLease> {
    if (opts.signal.aborted) return Promise.reject(abortError(opts.signal));
    if (this.waiting.length === 0 && this.mayStart()) return Promise.resolve(this.start());
    return new Promise<AdapterLease>((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiting.indexOf(waiter);
        if (i < 0) return;
        this.waiting.splice(i, 1);
        reject(abortError(opts.signal));
        // Those behind move up; the head may be able to start now.
        this.pump();
      };
      const waiter: Waiter = {
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

  /** Starts waiters from the head while they may; tells the rest how many are ahead. */
  private pump(): void {
    while (this.waiting.length > 0 && this.mayStart()) {
      const waiter = this.waiting.shift()!;
      waiter.dispose();
      waiter.resolve(this.start());
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

  private start(): AdapterLease {
    this.running++;
    if (this.limit.rate) this.starts.push(this.now());
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.running--;
        this.pump();
      },
    };
  }
}

/** The limits of every adapter of a project, shared by all the runs a process executes. */
export class AdapterLimits {
  /** From wave.yaml `adapters.<name>.max_concurrent` / `rate_limit`. */
  static fromConfig(adapters: Record<string, AdapterConfig>): AdapterLimits {
    const limits: Record<string, AdapterLimit> = {};
    for (const [name, a] of Object.entries(adapters)) {
      limits[name] = {
        maxConcurrent: a.max_concurrent ?? null,
        rate: a.rate_limit
          ? { requests: a.rate_limit.requests, perMs: parseDuration(a.rate_limit.per) ?? 60_000 }
          : null,
      };
    }
    return new AdapterLimits(limits);
  }

  private readonly queues = new Map<string, AdapterQueue>();

  constructor(
    private readonly limits: Record<string, AdapterLimit>,
    private readonly now: () => number = Date.now,
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
      q = new AdapterQueue(this.limits[adapter]!, this.now);
      this.queues.set(adapter, q);
    }
    return q;
  }
}

const FREE: AdapterLease = { release() {} };

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException('aborted', 'AbortError');
}
