import type { IncomingMessage } from 'node:http';
import { WaveError } from '../errors.js';
import { EventSchema, isTerminalEvent, type WaveEvent } from '../events/catalogue.js';
import { apiError } from './api-error.js';
import type { Transport } from './transport.js';

export interface FollowOptions {
  /** Events with seq above this are delivered (0: from the run's first event). */
  afterSeq?: number;
  signal?: AbortSignal;
  /** Told when the connection dropped and a reconnect is under way. */
  onReconnect?: (attempt: number, error: unknown) => void;
  /** Give up after this long without any connection (ms). */
  giveUpAfterMs?: number;
}

const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5000;

/**
 * Follows a run's SSE stream to its terminal event. If the connection drops, it reconnects
 * with Last-Event-ID; events already delivered are skipped by seq, so each arrives exactly once.
 */
export async function followRunEvents(
  transport: Transport,
  runId: string,
  onEvent: (e: WaveEvent) => void | Promise<void>,
  opts: FollowOptions = {},
): Promise<WaveEvent | null> {
  let last = opts.afterSeq ?? 0;
  let attempt = 0;
  let lastConnected = Date.now();
  // No ?types= filter: the client must see the terminal event to know the run ended.
  for (;;) {
    if (opts.signal?.aborted) return null;
    let res: IncomingMessage;
    try {
      res = await transport.open('GET', `/api/runs/${encodeURIComponent(runId)}/events`, {
        headers: { accept: 'text/event-stream', ...(last > 0 ? { 'last-event-id': String(last) } : {}) },
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
    } catch (err) {
      if (opts.signal?.aborted) return null;
      if (Date.now() - lastConnected > (opts.giveUpAfterMs ?? 60_000)) throw err;
      attempt++;
      opts.onReconnect?.(attempt, err);
      await backoff(attempt, opts.signal);
      continue;
    }
    if (res.statusCode !== 200) {
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      const error = apiError(
        { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() },
        'following the run',
      );
      // A server restarting or shutting down is worth waiting for; anything else is final.
      if (error.code !== 'server_unreachable' || Date.now() - lastConnected > (opts.giveUpAfterMs ?? 60_000))
        throw error;
      attempt++;
      opts.onReconnect?.(attempt, error);
      await backoff(attempt, opts.signal);
      continue;
    }
    lastConnected = Date.now();
    attempt = 0;
    let terminal: WaveEvent | null = null;
    try {
      for await (const frame of frames(res)) {
        lastConnected = Date.now();
        if (frame.data === '') continue;
        const event = EventSchema.parse(JSON.parse(frame.data));
        if (event.seq <= last) continue;
        last = event.seq;
        await onEvent(event);
        if (isTerminalEvent(event) && event.run_id === runId) terminal = event;
      }
    } catch (err) {
      if (opts.signal?.aborted) return null;
      if (err instanceof WaveError) throw err;
      // Dropped mid-stream: reconnect below.
    }
    if (terminal) return terminal;
    if (opts.signal?.aborted) return null;
    attempt++;
    opts.onReconnect?.(attempt, new Error('the event stream ended before the run did'));
    await backoff(attempt, opts.signal);
  }
}

export async function backoff(attempt: number, signal?: AbortSignal): Promise<void> {
  const ms = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** Math.min(attempt - 1, 5));
  await new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });
}

/** SSE frames (`id:`, `event:`, `data:` lines up to a blank line); comments are skipped. */
export async function* frames(
  res: IncomingMessage,
): AsyncGenerator<{ id: string | null; event: string | null; data: string }> {
  let buffer = '';
  res.setEncoding('utf8');
  for await (const chunk of res) {
    buffer += chunk as string;
    for (let i = buffer.indexOf('\n\n'); i !== -1; i = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, i);
      buffer = buffer.slice(i + 2);
      let id: string | null = null;
      let event: string | null = null;
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        if (line.startsWith('id:')) id = line.slice(3).trim();
        else if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (id !== null || event !== null || data.length) yield { id, event, data: data.join('\n') };
    }
  }
}
