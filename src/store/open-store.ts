import { WaveError } from '../errors.js';
import type { WaveEvent } from '../events/catalogue.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

/** What the configuration says about the store, with its path already resolved. */
export interface StorageSettings {
  driver: string;
  path: string;
}

export interface StoreHooks {
  /** Identifies this process's writes, so it can tell other processes' events apart. */
  origin: string;
  /** Called after each commit with the events it wrote (the event bus). */
  onCommit?: (events: WaveEvent[]) => void;
}

/** The one place a store is chosen: by `storage.driver`. */
export function openStore(storage: StorageSettings, hooks: StoreHooks): Store {
  switch (storage.driver) {
    case 'sqlite':
      return new SqliteStore({
        path: storage.path,
        origin: hooks.origin,
        ...(hooks.onCommit ? { onCommit: hooks.onCommit } : {}),
      });
    case 'postgres':
      throw new WaveError(
        'invalid_config',
        'storage.driver: postgres is not available in this version of wave yet; use sqlite',
      );
    default:
      throw new WaveError(
        'invalid_config',
        `storage.driver: unknown driver "${storage.driver}" (known: sqlite, postgres)`,
      );
  }
}
