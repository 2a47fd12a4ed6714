/** A page of replay as written to a client: its bytes, the seq it ends at, and whether the stream ends there. */
export interface ReplayPage {
  bytes: Buffer | null;
  upTo: number;
  ends: boolean;
}

/**
 * Replay pages shared by clients that replay the same events (many viewers of one run). Only a
 * settled page is kept: one that was full, or ended at the run's terminal event. Its events can
 * never change, since every later commit gets a higher seq, so the next client of the same kind
 * at the same cursor gets the same bytes without the store being read again. Bounded in bytes;
 * the least recently used page goes first.
 */
export class ReplayCache {
  private readonly pages = new Map<string, ReplayPage>();
  private size = 0;

  constructor(private readonly maxBytes: number) {}

  get(kind: string, afterSeq: number): ReplayPage | undefined {
    const key = `${kind}\n${afterSeq}`;
    const page = this.pages.get(key);
    if (page) {
      this.pages.delete(key);
      this.pages.set(key, page);
    }
    return page;
  }

  put(kind: string, afterSeq: number, page: ReplayPage): void {
    const key = `${kind}\n${afterSeq}`;
    const bytes = page.bytes?.length ?? 0;
    if (bytes > this.maxBytes || this.pages.has(key)) return;
    this.pages.set(key, page);
    this.size += bytes;
    for (const [oldest, old] of this.pages) {
      if (this.size <= this.maxBytes) break;
      this.pages.delete(oldest);
      this.size -= old.bytes?.length ?? 0;
    }
  }
}
