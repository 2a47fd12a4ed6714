import type { ServerResponse } from 'node:http';
import { isTerminalEvent } from '../../events/catalogue.js';
import type { Logger } from '../../logger.js';
import type { Pacer } from '../../pacer.js';
import type { Store } from '../../store/store.js';
import { type EventFeed, type FeedItem, sseFrame } from './feed.js';
import { ReplayCache, type ReplayPage } from './replay-cache.js';

export interface SseOptions {
  /**
   * Bytes of its events a client may fall behind while its socket accepts nothing: past that,
   * still stuck at the next sweep, it is dropped (it resumes with Last-Event-ID).
   */
  maxBufferBytes: number;
  heartbeatMs: number;
}

export interface OpenStream {
  raw: ServerResponse;
  /** Only this run's events; the stream ends after its terminal event. */
  runId?: string;
  /** The run had already ended when the stream was opened: replay what is left and end. */
  runEnded?: boolean;
  types?: ReadonlySet<string>;
  /** Events with seq greater than this are sent. */
  cursor: number;
  headers: Record<string, string | string[] | number | undefined>;
}

interface Client {
  raw: ServerResponse;
  runId?: string;
  types?: ReadonlySet<string>;
  /** Clients with the same key get the same bytes from a feed batch. */
  kind: string;
  lastSent: number;
  /** Live: feed frames are written as they come. Otherwise it catches up from the store. */
  live: boolean;
  /** Bytes of its events committed since its socket last accepted anything (while not live). */
  behind: number;
  /** Over the limit at the last sweep, with no progress since. */
  stuck: boolean;
  closed: boolean;
}

/** What a run of events becomes for one kind of client: one write, and where it leaves it. */
type Rendered = ReplayPage;

/** Events read from the store per page while a client catches up, and the JSON that ends a page early. */
const PAGE = 500;
const PAGE_BYTES = 64 * 1024;
/** Replay pages kept for other clients replaying the same events. */
const REPLAY_CACHE_BYTES = 16 * 1024 * 1024;
/**
 * How often clients behind the limit are looked at. A client is dropped when two sweeps in a
 * row find it over the limit with no progress in between: a burst bigger than the limit never
 * costs a reader that keeps up its stream, only one that stops reading.
 */
const SWEEP_MS = 250;

const HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
  connection: 'keep-alive',
};

/** Resolves when the response can take more bytes, or is gone. */
function writable(raw: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      raw.off('drain', done);
      raw.off('close', done);
      resolve();
    };
    raw.on('drain', done);
    raw.on('close', done);
  });
}

/**
 * The server's SSE streams. Each client is a cursor into the events table. A live client gets
 * each feed batch in one write, its bytes shared with every client of the same kind; when its
 * socket is full it stops taking batches and, once the socket drains, catches up from the store
 * at its own pace, then goes live again (opening a stream starts the same way: replay from the
 * cursor, then live). The store is the buffer: a client that reads fast never loses its stream
 * to a burst, a slow one costs one socket buffer, and nobody ever waits for it. A client whose
 * socket accepts nothing while more than `maxBufferBytes` of its events are committed, for a
 * whole sweep period, is disconnected.
 */
export class SseHub {
  private readonly clients = new Set<Client>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly sweeper: NodeJS.Timeout;
  /** Listening to the feed while there are clients: with none, the feed reads nothing. */
  private unlisten: (() => void) | null = null;
  private readonly replays = new ReplayCache(REPLAY_CACHE_BYTES);
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly feed: EventFeed,
    private readonly opts: SseOptions,
    private readonly logger: Logger,
    private readonly pacer: Pacer,
  ) {
    this.heartbeat = setInterval(() => {
      // Only idle streams need it; a ping never queues behind unread bytes.
      for (const client of this.clients) if (client.raw.writableLength === 0) client.raw.write(': ping\n\n');
    }, opts.heartbeatMs);
    this.heartbeat.unref();
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  get clientCount(): number {
    return this.clients.size;
  }

  async open(stream: OpenStream): Promise<void> {
    const client: Client = {
      raw: stream.raw,
      ...(stream.runId !== undefined ? { runId: stream.runId } : {}),
      ...(stream.types ? { types: stream.types } : {}),
      kind: `${stream.runId ?? '*'}\n${stream.types ? [...stream.types].sort().join(',') : ''}`,
      lastSent: stream.cursor,
      live: false,
      behind: 0,
      stuck: false,
      closed: false,
    };
    stream.raw.writeHead(200, { ...stream.headers, ...HEADERS });
    stream.raw.flushHeaders();
    stream.raw.socket?.setNoDelay(true);
    this.clients.add(client);
    this.unlisten ??= this.feed.listen((items) => {
      const shared = new Map<string, Rendered>();
      for (const c of this.clients) this.deliver(c, items, shared);
    });
    stream.raw.on('close', () => this.drop(client));
    if (this.stopped) {
      this.end(client);
      return;
    }
    await this.catchUp(client, stream.runEnded === true, true);
  }

  /**
   * Sends the client's backlog from the store a page at a time, waiting whenever its socket is
   * full, until it has everything up to the feed's position; then it is live. Everything up to
   * that position comes from the store, everything after from the feed: no gap, no duplicate.
   * For a run that had ended, everything left is read and the stream ends. Each page is read,
   * rendered and written in one turn of the pacer, so a long replay never holds the event loop;
   * only a stream's first page goes out at once, as part of answering its request.
   */
  private async catchUp(client: Client, toTheEnd = false, opening = false): Promise<void> {
    try {
      for (let first = opening; ; first = false) {
        // Once closed, a socket never drains: no wait then.
        if (client.raw.writableNeedDrain && !client.closed) await writable(client.raw);
        if (client.closed) return;
        const more = first
          ? await this.replayPage(client, toTheEnd)
          : await this.pacer.run(() => this.replayPage(client, toTheEnd));
        if (!more) return;
      }
    } catch (err) {
      this.logger.warn({ err }, 'SSE replay failed');
      this.end(client);
    }
  }

  /** Sends the client's next page; false once it is live or ended. */
  private async replayPage(client: Client, toTheEnd: boolean): Promise<boolean> {
    if (client.closed) return false;
    const until = toTheEnd ? undefined : this.feed.position;
    if (until !== undefined && client.lastSent >= until) {
      // In the same turn as the check: no feed batch can come in between.
      client.live = true;
      return false;
    }
    const from = client.lastSent;
    let page = this.replays.get(client.kind, from);
    if (!page || (until !== undefined && page.upTo > until)) {
      const rows = await this.store.readEvents({
        afterSeq: from,
        ...(until !== undefined ? { upToSeq: until } : {}),
        limit: PAGE,
        maxBytes: PAGE_BYTES,
        ...(client.runId !== undefined ? { runId: client.runId } : {}),
      });
      if (client.closed) return false;
      if (rows.length === 0) {
        if (until === undefined) {
          this.end(client);
          return false;
        }
        // Nothing more of this stream up to `until` (a run stream skips other runs' events).
        client.lastSent = until;
        return true;
      }
      page = this.render(
        client,
        rows.map((row) => ({ row, frame: sseFrame(row) })),
      );
      const full = rows.length === PAGE || rows.reduce((n, r) => n + r.json.length, 0) >= PAGE_BYTES;
      if (full || page.ends) this.replays.put(client.kind, from, page);
    }
    if (page.bytes) client.raw.write(page.bytes);
    client.lastSent = Math.max(client.lastSent, page.upTo);
    client.behind = 0;
    client.stuck = false;
    if (page.ends) {
      this.end(client);
      return false;
    }
    return true;
  }

  /** The client's part of `items` after its cursor, up to its run's terminal event. */
  private render(client: Client, items: readonly FeedItem[]): Rendered {
    let text = '';
    let upTo = client.lastSent;
    for (const { row, frame } of items) {
      if (row.seq <= client.lastSent) continue;
      upTo = row.seq;
      if (client.runId !== undefined && row.runId !== client.runId) continue;
      if (!client.types || client.types.has(row.type)) text += frame;
      if (client.runId !== undefined && isTerminalEvent(row))
        return { bytes: text ? Buffer.from(text) : null, upTo, ends: true };
    }
    return { bytes: text ? Buffer.from(text) : null, upTo, ends: false };
  }

  private deliver(client: Client, items: readonly FeedItem[], shared: Map<string, Rendered>): void {
    if (client.closed || items.length === 0) return;
    if (client.live && client.raw.writableNeedDrain) {
      // Its socket is full: what follows comes from the store once it drains.
      client.live = false;
      client.behind = 0;
      client.stuck = false;
      void this.catchUp(client);
    }
    if (!client.live) {
      for (const { row, frame } of items) {
        if (row.seq <= client.lastSent || (client.runId !== undefined && row.runId !== client.runId))
          continue;
        if (!client.types || client.types.has(row.type)) client.behind += frame.length;
      }
      return;
    }
    // Usually the whole batch is new to the client: then its bytes are those of every client
    // of the same kind, rendered once.
    let out: Rendered;
    if (client.lastSent < items[0]!.row.seq) {
      out = shared.get(client.kind) ?? this.render(client, items);
      shared.set(client.kind, out);
    } else {
      out = this.render(client, items);
    }
    if (out.bytes) client.raw.write(out.bytes);
    client.lastSent = Math.max(client.lastSent, out.upTo);
    if (out.ends) this.end(client);
  }

  private sweep(): void {
    for (const client of this.clients) {
      if (client.live || client.behind <= this.opts.maxBufferBytes) continue;
      if (!client.stuck) {
        client.stuck = true;
        continue;
      }
      this.logger.info({ behind: client.behind }, 'SSE client too slow: disconnected');
      client.raw.destroy();
      this.drop(client);
    }
  }

  private end(client: Client): void {
    if (client.closed) return;
    client.raw.end();
    this.drop(client);
  }

  private drop(client: Client): void {
    client.closed = true;
    this.clients.delete(client);
    if (this.clients.size === 0) {
      this.unlisten?.();
      this.unlisten = null;
    }
  }

  /** Shutdown: every stream ends (clients reconnect with Last-Event-ID elsewhere or later). */
  closeAll(): void {
    this.stopped = true;
    for (const client of [...this.clients]) this.end(client);
    clearInterval(this.heartbeat);
    clearInterval(this.sweeper);
    this.unlisten?.();
    this.unlisten = null;
  }
}
