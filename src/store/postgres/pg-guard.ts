import { pgStoreError } from './pg-db.js';

/** Runs a store operation, turning any database failure into a `store_unavailable` WaveError. */
export async function pgGuard<T>(location: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw pgStoreError(location, err);
  }
}
