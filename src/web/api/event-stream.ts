import type { WaveEvent } from '../../events/catalogue.js';
import { EVENT_TYPE_NAMES, isTerminalEvent } from '../state/event-types.js';
import { tokenPrompt } from './auth.js';
import { ApiError } from './http.js';

export type StreamStatus = 'connecting' | 'live' | 'reconnecting' | 'ended' | 'failed';

export interface EventStreamOptions {
  /** Resume after this seq (`since`); without it `/api/events` starts at the live tail. */
  since?: number;
  types?: readonly string[];
  /** Close once a run's terminal event arrived (a run stream: the server ends it then). */
  endOnTerminal?: boolean;
  /**
   * An API request that tells why the stream was refused: EventSource hides the status, so a
   * 401 is seen (and the token prompt shown) through this request; a 404 ends the stream.
   */
  probe: () => Promise<unknown>;
  onEvents: (events: WaveEvent[]) => void;
  onStatus?: (status: StreamStatus, detail?: string) => void;
  /** Called on every successful (re)connection after the first: state may have moved meanwhile. */
  onReconnect?: () => void;
}

export interface EventStream {
  close(): void;
}

const FLUSH_MS = 40;
const MAX_RETRY_MS = 15_000;

/**
 * An SSE subscription that survives what EventSource does not: the browser resumes a dropped
 * stream itself (sending Last-Event-ID), but a refused one (401 after the token expired, server
 * restarting) is closed for good, so it is reopened here with `since` = the last seq seen.
 * Events are handed over in small batches; callers still de-duplicate by seq.
 */
export function openEventStream(path: string, opts: EventStreamOptions): EventStream {
  let source: EventSource | null = null;
  let closed = false;
  let lastSeq = opts.since ?? null;
  let opened = false;
  let retryMs = 1000;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let buffer: WaveEvent[] = [];
  let flushTimer: ReturnType<typeof setTimeout> | null = null;

  const status = (s: StreamStatus, detail?: string) => opts.onStatus?.(s, detail);

  const flush = () => {
    if (flushTimer !== null) clearTimeout(flushTimer);
    flushTimer = null;
    if (buffer.length === 0) return;
    const batch = buffer;
    buffer = [];
    opts.onEvents(batch);
  };

  const url = () => {
    const query = new URLSearchParams();
    if (lastSeq !== null) query.set('since', String(lastSeq));
    if (opts.types?.length) query.set('types', opts.types.join(','));
    const token = tokenPrompt.token;
    if (token) query.set('access_token', token);
    const text = query.toString();
    return text ? `${path}?${text}` : path;
  };

  const onMessage = (message: MessageEvent<string>) => {
    let event: WaveEvent;
    try {
      event = JSON.parse(message.data) as WaveEvent;
    } catch {
      return;
    }
    if (lastSeq === null || event.seq > lastSeq) lastSeq = event.seq;
    buffer.push(event);
    if (opts.endOnTerminal && isTerminalEvent(event)) {
      flush();
      stop('ended');
      return;
    }
    flushTimer ??= setTimeout(flush, FLUSH_MS);
  };

  const connect = () => {
    if (closed) return;
    status(opened ? 'reconnecting' : 'connecting');
    const es = new EventSource(url());
    source = es;
    es.onopen = () => {
      retryMs = 1000;
      status('live');
      if (opened) opts.onReconnect?.();
      opened = true;
    };
    for (const type of EVENT_TYPE_NAMES) es.addEventListener(type, onMessage);
    es.onerror = () => {
      if (closed || source !== es) return;
      if (es.readyState === EventSource.CLOSED) {
        source = null;
        retryLater();
      } else {
        // The browser reconnects by itself, sending Last-Event-ID.
        status('reconnecting');
      }
    };
  };

  const retryLater = () => {
    status('reconnecting');
    retryTimer = setTimeout(async () => {
      retryTimer = null;
      retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
      try {
        await opts.probe();
      } catch (err) {
        if (err instanceof ApiError && (err.status === 404 || err.status === 401 || err.status === 403)) {
          stop('failed', err.message);
          return;
        }
        // The server is unreachable or busy: try again later.
        if (!closed) retryLater();
        return;
      }
      connect();
    }, retryMs);
  };

  const stop = (final: StreamStatus, detail?: string) => {
    if (closed) return;
    closed = true;
    source?.close();
    source = null;
    if (retryTimer !== null) clearTimeout(retryTimer);
    flush();
    status(final, detail);
  };

  connect();
  return {
    close() {
      if (closed) return;
      closed = true;
      source?.close();
      source = null;
      if (retryTimer !== null) clearTimeout(retryTimer);
      if (flushTimer !== null) clearTimeout(flushTimer);
      buffer = [];
    },
  };
}
