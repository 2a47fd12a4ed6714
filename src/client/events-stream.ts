import type { IncomingMessage } from 'node:http';
import { WaveError } from '../errors.js';
import { EventSchema, type WaveEvent } from '../events/catalogue.js';
import { apiError } from './api-error.js';
import { backoff, frames } from './sse.js';
import type { Transport } from './transport.js';

/** What a watcher of every run's events is told. */
export interface EventWatcher {
  /**
   * The stream is live (again). `resync`: events may have been missed (the first connection,
   * or a reconnect with no cursor to resume from), so the state must be read afresh.
   */
  onLive(info: { resync: boolean }): void;
  /** Events in seq order, each exactly once. */
  onEvents(events: WaveEvent[]): void;
  /** The connection dropped or could not be made; a reconnect follows. */
  onDown(reason: string, attempt: number): void;
}

/**
 * Follows `/api/events` until `signal` aborts, reconnecting for ever (a dashboard outlives a
 * server restart) with Last-Event-ID: events already delivered are skipped by seq, so each
 * arrives once. Only a refusal that waiting cannot cure (401, 403) ends it, with that error.
 */
export async function watchAllEvents(
  transport: Transport,
  watcher: EventWatcher,
  signal: AbortSignal,
): Promise<void> {
  let last = 0;
  let attempt = 0;
  const down = async (reason: string) => {
    attempt++;
    watcher.onDown(reason, attempt);
    await backoff(attempt, signal);
  };
  while (!signal.aborted) {
    let res: IncomingMessage;
    try {
      res = await transport.open('GET', '/api/events', {
        headers: { accept: 'text/event-stream', ...(last > 0 ? { 'last-event-id': String(last) } : {}) },
        signal,
      });
    } catch (err) {
      if (signal.aborted) return;
      await down((err as Error).message);
      continue;
    }
    if (res.statusCode !== 200) {
      const error = apiError(await transport.body(res), 'following the events');
      if (error.code === 'unauthorized' || error.code === 'forbidden') throw error;
      // A cursor this server never sent (another store behind the URL): start afresh.
      if (error.code === 'invalid_request') last = 0;
      await down(error.message);
      continue;
    }
    attempt = 0;
    watcher.onLive({ resync: last === 0 });
    try {
      for await (const frame of frames(res)) {
        if (frame.data === '') continue;
        const parsed = EventSchema.safeParse(JSON.parse(frame.data));
        // An event type newer than this client: its seq still counts, its content is skipped.
        const seq = parsed.success ? parsed.data.seq : Number(frame.id);
        if (!(seq > last)) continue;
        last = seq;
        if (parsed.success) watcher.onEvents([parsed.data]);
      }
    } catch (err) {
      if (signal.aborted) return;
      if (err instanceof WaveError) throw err;
    }
    if (signal.aborted) return;
    await down('the event stream ended');
  }
}
