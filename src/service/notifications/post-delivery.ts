import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { checkHost, guardedLookup, PrivateAddressError } from './address-guard.js';

export interface PostRequest {
  url: string;
  body: string;
  eventType: string;
  deliveryId: string;
  secret: string | undefined;
  allowPrivate: boolean;
  timeoutMs: number;
  /** Aborted when the server stops: the attempt ends at once, to be retried later. */
  signal?: AbortSignal;
}

/** One attempt: an HTTP status, or why there was none. */
export type PostResult =
  | { kind: 'status'; status: number }
  | { kind: 'error'; error: string; retryable: boolean };

/** `sha256=<hex HMAC-SHA256 of the raw body>`, as GitHub signs its webhooks. */
export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Posts one delivery; never throws. */
export async function postDelivery(req: PostRequest): Promise<PostResult> {
  const url = new URL(req.url);
  if (!req.allowPrivate) {
    try {
      await checkHost(url.hostname);
    } catch (err) {
      return errorResult(err);
    }
  }
  const headers: Record<string, string | number> = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(req.body),
    'user-agent': 'wave-notifications',
    'x-wave-event': req.eventType,
    'x-wave-delivery': req.deliveryId,
  };
  if (req.secret) headers['x-wave-signature-256'] = signature(req.secret, req.body);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<PostResult>((resolve) => {
    let settled = false;
    const done = (r: PostResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const request = send(
      url,
      { method: 'POST', headers, ...(req.allowPrivate ? {} : { lookup: guardedLookup }) },
      (res) => {
        // The answer's body is not used: read it so the socket is freed.
        res.resume();
        res.on('end', () => done({ kind: 'status', status: res.statusCode ?? 0 }));
        res.on('error', (err) => done(errorResult(err)));
      },
    );
    // The whole exchange, not one socket read, is limited: a receiver that trickles is cut too.
    const timer = setTimeout(() => {
      done({ kind: 'error', error: `no answer within ${req.timeoutMs} ms`, retryable: true });
      request.destroy();
    }, req.timeoutMs);
    request.on('error', (err) => done(errorResult(err)));
    const onAbort = () => {
      done({ kind: 'error', error: 'interrupted: the server stopped', retryable: true });
      request.destroy();
    };
    if (req.signal?.aborted) onAbort();
    else req.signal?.addEventListener('abort', onAbort, { once: true });
    request.on('close', () => req.signal?.removeEventListener('abort', onAbort));
    request.end(req.body);
  });
}

function errorResult(err: unknown): PostResult {
  if (err instanceof PrivateAddressError) return { kind: 'error', error: err.message, retryable: false };
  const e = err as NodeJS.ErrnoException;
  return {
    kind: 'error',
    error: e.code ? `${e.code}: ${e.message}` : String(e.message ?? err),
    retryable: true,
  };
}

/** Network errors, timeouts, 429 and 5xx are worth another try; other answers are final. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}
