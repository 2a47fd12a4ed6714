import { isTerminalEvent, type WaveEvent } from '../events/catalogue.js';
import type { ChangeSource } from '../store/change-feed.js';
import type { Store } from '../store/store.js';

export interface Follower {
  /** Resolves after the run's terminal event was delivered (or stop()). */
  done: Promise<void>;
  stop(): void;
}

/**
 * Delivers a run's events in seq order, exactly once, from `afterSeq` on: reads the store
 * whenever the change feed announces events of the run (from this process or another), so
 * events of other processes arrive in their place too.
 */
export function followRun(
  store: Store,
  changes: ChangeSource,
  runId: string,
  opts: { afterSeq: number; onEvents: (events: WaveEvent[]) => void | Promise<void> },
): Follower {
  let last = opts.afterSeq;
  let stopped = false;
  let reading = false;
  let again = false;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => {
    resolveDone = r;
  });
  const stop = () => {
    if (stopped) return;
    stopped = true;
    unsubscribe();
    resolveDone();
  };
  const read = async (): Promise<void> => {
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    try {
      do {
        again = false;
        for (;;) {
          const rows = await store.readEvents({ runId, afterSeq: last, limit: 1000 });
          if (rows.length === 0 || stopped) break;
          last = rows[rows.length - 1]!.seq;
          const events = rows.map((r) => JSON.parse(r.json) as WaveEvent);
          await opts.onEvents(events);
          if (events.some(isTerminalEvent)) {
            stop();
            return;
          }
          if (rows.length < 1000) break;
        }
      } while (again && !stopped);
    } finally {
      reading = false;
    }
  };
  // keepAlive: a follower is work in progress and keeps a `wave logs --follow` alive.
  const unsubscribe = changes.subscribe(
    ({ events }) => {
      if (events.some((e) => e.run_id === runId)) void read();
    },
    { keepAlive: true },
  );
  void read();
  return { done, stop };
}
