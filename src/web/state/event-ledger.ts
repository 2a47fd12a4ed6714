/** Anything ordered by the server's global event sequence. */
export interface Sequenced {
  readonly seq: number;
}

export interface LedgerAddResult<T> {
  /** The events not held before, in seq order. */
  added: T[];
  /** True when every added event comes after all the ones held before (the usual case). */
  appended: boolean;
}

/**
 * The events of one stream, each kept once and in `seq` order, however they arrive: a replay
 * after a reconnect repeats events, and a fresh fetch may deliver older ones after newer.
 */
export class EventLedger<T extends Sequenced> {
  private readonly items: T[] = [];
  private readonly seen = new Set<number>();
  /** Changes whenever events are added, so views derived from the ledger can be memoised. */
  version = 0;

  /** The highest seq held, 0 when empty: the cursor to resume from. */
  get lastSeq(): number {
    return this.items.at(-1)?.seq ?? 0;
  }

  get events(): readonly T[] {
    return this.items;
  }

  get size(): number {
    return this.items.length;
  }

  has(seq: number): boolean {
    return this.seen.has(seq);
  }

  /** Events with a seq greater than `seq`, in order. */
  after(seq: number): T[] {
    return this.items.slice(upperBound(this.items, seq));
  }

  add(incoming: Iterable<T>): LedgerAddResult<T> {
    const added: T[] = [];
    for (const e of incoming) {
      if (!Number.isSafeInteger(e.seq) || this.seen.has(e.seq)) continue;
      this.seen.add(e.seq);
      added.push(e);
    }
    if (added.length === 0) return { added, appended: true };
    added.sort((a, b) => a.seq - b.seq);
    const appended = added[0]!.seq > this.lastSeq;
    if (appended) {
      for (const e of added) this.items.push(e);
    } else {
      for (const e of added) this.items.splice(upperBound(this.items, e.seq), 0, e);
    }
    this.version++;
    return { added, appended };
  }
}

/** The index of the first item with a seq greater than `seq` (items are sorted). */
function upperBound(items: readonly Sequenced[], seq: number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (items[mid]!.seq <= seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
