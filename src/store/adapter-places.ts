/**
 * Places on capped adapters shared by every process on one store (`adapters.<name>.max_concurrent`
 * across `wave serve`s and `wave run`s): a ticket row per step that waits for or holds a place.
 * Tickets are served in the order they became ready (ready_at, then id), whatever process asked.
 * A ticket belongs to an owner instance; once that instance is marked dead or its heartbeat is
 * older than the lease, its tickets count for nothing and are deleted by the next take.
 */
export interface AdapterTicket {
  id: string;
  adapter: string;
  owner: string;
  runId: string;
  step: string;
  /** When the step became ready (ms): its place in line. */
  readyAt: number;
}

/** A take's answer: the place is held, or the 1-based position in line of the ticket. */
export type TakeResult = { granted: true } | { granted: false; position: number };

export interface AdapterPlaceStore {
  /**
   * In one transaction: gives back the places of `released` tickets first (a process folds its
   * steps' ends into its next take), records the ticket if new, then grants it a place when
   * fewer than `cap` live tickets of its adapter hold one and no live waiting ticket is ahead.
   */
  take(
    ticket: AdapterTicket,
    cap: number,
    leaseMs: number,
    released?: readonly string[],
  ): Promise<TakeResult>;
  /** Gives a place back, or leaves the line (a step ended, or its run was cancelled). */
  remove(id: string): Promise<void>;
  /** 1-based positions of waiting tickets of `adapter` among live ones, by ticket id. */
  positions(adapter: string, leaseMs: number): Promise<Map<string, number>>;
}
