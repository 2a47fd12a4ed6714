import { PromptDismissedError } from '../state/token-prompt.js';
import { tokenPrompt } from './auth.js';

/** An error answer of the API (its one error shape), or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface RequestOptions {
  method?: 'GET' | 'POST';
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/**
 * Sends a request with the session's bearer token. A 401 opens the token prompt and the request
 * is retried with the token given; closing the prompt ends it with the 401.
 */
export async function send(path: string, opts: RequestOptions = {}): Promise<Response> {
  for (;;) {
    const token = tokenPrompt.token;
    const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
    if (token) headers.authorization = `Bearer ${token}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(path, {
        method: opts.method ?? 'GET',
        headers,
        ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      throw new ApiError(0, 'network_error', 'the server could not be reached');
    }
    if (res.ok) return res;
    const error = await errorOf(res);
    if (res.status !== 401) throw error;
    try {
      await tokenPrompt.ask(token, error.message);
    } catch (err) {
      if (err instanceof PromptDismissedError) throw error;
      throw err;
    }
  }
}

export async function requestJson<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await send(path, opts);
  return (await res.json()) as T;
}

async function errorOf(res: Response): Promise<ApiError> {
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string; details?: object } };
    if (body.error?.code) {
      return new ApiError(
        res.status,
        body.error.code,
        body.error.message ?? res.statusText,
        (body.error.details ?? {}) as Record<string, unknown>,
      );
    }
  } catch {
    // not the API's error shape (a proxy's page): fall through
  }
  return new ApiError(res.status, 'http_error', `the server answered ${res.status} ${res.statusText}`);
}

export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}
