import { WaveError } from '../errors.js';
import type { WaveEvent } from '../events/catalogue.js';
import { PostgresStore } from './postgres/postgres-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

/** What the configuration says about the store, with its path already resolved. */
export interface StorageSettings {
  driver: string;
  path: string;
  /** postgres: the database (storage.url, WAVE_STORAGE_URL). */
  url?: string | null;
  /** postgres: artifacts up to this many bytes are kept in the database. */
  artifactInlineLimit?: number;
  /** postgres: the shared folder for larger artifacts, resolved. */
  artifactDir?: string | null;
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
      if (!storage.url)
        throw new WaveError(
          'invalid_config',
          'storage.driver: postgres needs the database: set storage.url in wave.yaml or WAVE_STORAGE_URL (postgres://user:password@host:5432/database)',
        );
      // Connects in the background: `await store.ready()` to fail fast at start.
      return new PostgresStore({
        url: storage.url,
        origin: hooks.origin,
        ...(hooks.onCommit ? { onCommit: hooks.onCommit } : {}),
        ...(storage.artifactInlineLimit !== undefined
          ? { artifactInlineLimit: storage.artifactInlineLimit }
          : {}),
        artifactDir: storage.artifactDir ?? null,
      });
    default:
      throw new WaveError(
        'invalid_config',
        `storage.driver: unknown driver "${storage.driver}" (known: sqlite, postgres)`,
      );
  }
}
