import { WaveError } from '../errors.js';
import { isConnectionError } from './postgres/pg-db.js';

/**
 * Whether a store call failed because the database could not be reached (it went away, a
 * connection dropped), as opposed to a bad statement or a broken file: such a call may succeed
 * once it is back. Looks through `cause`, since stores wrap driver errors in WaveErrors.
 */
export function isConnectionLost(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (isConnectionError(e)) return true;
  }
  return false;
}

/** A failure to reach the database as the API reports it (503, API.md "Errors"). */
export function storeUnavailable(err: unknown): WaveError {
  if (err instanceof WaveError && err.code === 'store_unavailable') return err;
  return new WaveError(
    'store_unavailable',
    'the store cannot be reached right now; try again shortly',
    {},
    { cause: err },
  );
}
