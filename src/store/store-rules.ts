import { WaveError } from '../errors.js';

/** Idempotency-Keys are remembered this long (API.md "Idempotency"), by every store alike. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** A page cursor of GET /api/runs: the last run's number, opaque to clients. */
export function encodeCursor(num: number): string {
  return Buffer.from(`r${num}`).toString('base64url');
}

export function decodeCursor(cursor: string): number | undefined {
  const text = Buffer.from(cursor, 'base64url').toString();
  const m = /^r(\d+)$/.exec(text);
  // Node decodes base64 loosely: only a cursor that re-encodes to itself is one we issued.
  if (!m || encodeCursor(Number(m[1])) !== cursor)
    throw new WaveError('invalid_request', `cursor "${cursor}" is not one this server issued`, { cursor });
  return Number(m[1]);
}
