import { ErrorBody } from '../api/schemas.js';
import { WaveError } from '../errors.js';
import type { RawResponse } from './transport.js';

/**
 * An error response of the API as a WaveError with the server's code, so the CLI maps it to
 * the same exit code as the local command. 401 and 403 say which credential is missing.
 */
export function apiError(res: RawResponse, what: string): WaveError {
  let code = 'server_error';
  let message = `${what} failed with HTTP ${res.status}`;
  let details: Record<string, unknown> = {};
  try {
    const body = ErrorBody.parse(JSON.parse(res.body));
    ({ code, message, details } = body.error);
  } catch {
    // not the API's error shape (a proxy in between?): keep the HTTP status
  }
  if (res.status === 401) {
    message = `${message} — pass a token with --token or WAVE_TOKEN (wave token create --sub NAME --scope ... mints one), or a client certificate with --cert/--key`;
  } else if (res.status === 403) {
    const required = typeof details.required === 'string' ? details.required : null;
    message = required ? `${message} — ask for a token with the scope ${required}` : message;
  } else if (res.status === 503 && code === 'shutting_down') {
    code = 'server_unreachable';
  } else if (res.status >= 500 && code === 'server_error') {
    code = 'server_unreachable';
  }
  return new WaveError(code, message, { ...details, http_status: res.status });
}
