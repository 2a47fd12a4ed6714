import { WaveError } from '../../errors.js';
import { pgStoreError } from './pg-db.js';

/**
 * Runs a store operation once the store is ready (connected and migrated), turning any
 * database failure into a `store_unavailable` WaveError (one already a WaveError passes).
 */
export async function pgGuard<T>(
  location: string,
  ready: () => Promise<void>,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    await ready();
    return await fn();
  } catch (err) {
    throw err instanceof WaveError ? err : pgStoreError(location, err);
  }
}
