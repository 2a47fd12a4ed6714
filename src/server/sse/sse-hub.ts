import type { ServerResponse } from 'node:http';
import { isTerminalEvent } from '../../events/catalogue.js';
import type { Logger } from '../../logger.js';
import type { Store, StoredEvent } from '../../store/store.js';
import { type EventFeed, type FeedItem, sseFrame } from './feed.js';

export interface SseOptions {
  /** Bytes a client may have unread before it is dropped (it resumes with Last-Event-ID). */
  maxBufferBytes: number;
  heartbeatMs: number;
}

export interface OpenStream {
  raw: ServerResponse;
  /** Only this run's events; the stream ends after its terminal event. */
  runId?: string;
  types?: ReadonlySet<string>;
  /** Events with seq greater than this are sent. */
  cursor: number;
  headers: Record<string, string | string[] | number | undefined>;
}

interface Client {
  raw: ServerResponse;
  runId?: string;
  types?: ReadonlySet<string>;
  lastSent: number;
  live: boolean;
  pending: FeedItem[];
  closed: boolean;
}

/** Live events held for one client while its backlog is replayed. */
const MAX_PENDING = 20_000;

const HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
  connection: 'keep-alive',
};

/**
 * The server's SSE streams. Opening one subscribes to the live feed first, then replays the
 * backlog from the store up to the feed's position, then sends what arrived meanwhile,
 * skipping anything already sent: no gap, no duplicate. A client whose unread bytes pass the
 * limit is disconnected at once; nobody ever waits for a slow reader.
 */
export class SseHub {
  private readonly clients = new Set<Client>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly unlisten: () => void;

  constructor(
    private readonly store: Store,
    private readonly feed: EventFeed,
    private readonly opts: SseOptions,
    private readonly logger: Logger,
  ) {
    this.unlisten = feed.listen((items) => {
      for (const client of this.clients) this.deliver(client, items);
    });
    this.heartbeat = setInterval(() => {
      for (const client of this.clients) this.write(client, ': ping\n\n');
    }, opts.heartbeatMs);
    this.heartbeat.unref();
  }

  get clientCount(): number {
    return this.clients.size;
  }

  async open(stream: OpenStream): Promise<void> {
    const client: Client = {
      raw: stream.raw,
      ...(stream.runId !== undefined ? { runId: stream.runId } : {}),
      ...(stream.types ? { types: stream.types } : {}),
      lastSent: stream.cursor,
      live: false,
      pending: [],
      closed: false,
    };
    stream.raw.writeHead(200, { ...stream.headers, ...HEADERS });
    stream.raw.flushHeaders();
    stream.raw.socket?.setNoDelay(true);
    this.clients.add(client);
    stream.raw.on('close', () => this.drop(client));

    // Everything up to `until` comes from the store; later events from the feed.
    const until = this.feed.position;
    try {
      for (;;) {
        const rows = await this.store.readEvents({
          afterSeq: client.lastSent,
          upToSeq: until,
          limit: 500,
          ...(client.runId !== undefined ? { runId: client.runId } : {}),
        });
        if (rows.length === 0 || client.closed) break;
        for (const row of rows) {
          if (!this.send(client, row, sseFrame(row))) return;
        }
        // Replay respects the client's pace: it only delays this client.
        if (client.raw.writableNeedDrain) await new Promise((r) => client.raw.once('drain', r));
      }
      if (client.closed) return;
      if (client.lastSent < until) client.lastSent = until;
      client.live = true;
      const queued = client.pending;
      client.pending = [];
      this.deliver(client, queued);
    } catch (err) {
      this.logger.warn({ err }, 'SSE replay failed');
      this.end(client);
    }
  }

  private deliver(client: Client, items: readonly FeedItem[]): void {
    if (client.closed) return;
    if (!client.live) {
      for (const item of items)
        if (client.runId === undefined || item.row.runId === client.runId) client.pending.push(item);
      // A client that cannot even take its replay while the world moves on starts over later.
      if (client.pending.length > MAX_PENDING) {
        client.raw.destroy();
        this.drop(client);
      }
      return;
    }
    for (const { row, frame } of items) {
      if (client.runId !== undefined && row.runId !== client.runId) continue;
      if (!this.send(client, row, frame)) return;
    }
  }

  /** Sends one event if the client wants it; false once the stream is over. */
  private send(client: Client, row: StoredEvent, frame: string): boolean {
    if (row.seq <= client.lastSent) return true;
    client.lastSent = row.seq;
    if (!client.types || client.types.has(row.type)) {
      if (!this.write(client, frame)) return false;
    }
    if (client.runId !== undefined && isTerminalEvent(row)) {
      this.end(client);
      return false;
    }
    return true;
  }

  private write(client: Client, text: string): boolean {
    if (client.closed) return false;
    if (client.raw.writableLength > this.opts.maxBufferBytes) {
      this.logger.info({ buffered: client.raw.writableLength }, 'SSE client too slow: disconnected');
      client.raw.destroy();
      this.drop(client);
      return false;
    }
    client.raw.write(text);
    return true;
  }

  private end(client: Client): void {
    if (client.closed) return;
    client.raw.end();
    this.drop(client);
  }

  private drop(client: Client): void {
    client.closed = true;
    client.pending = [];
    this.clients.delete(client);
  }

  /** Shutdown: every stream ends (clients reconnect with Last-Event-ID elsewhere or later). */
  closeAll(): void {
    for (const client of [...this.clients]) this.end(client);
    clearInterval(this.heartbeat);
    this.unlisten();
  }
}
