import type { WaveEvent } from '../../../src/events/catalogue.js';
import type { Store } from '../../../src/store/store.js';

export interface StoreFactoryOptions {
  /**
   * The database: stores opened with the same `path` share it (two processes on one database).
   * A server-based store maps it to its own isolation (a schema per path, say).
   */
  path?: string;
  /** The writing process's identity (events it wrote are told apart by it). */
  origin?: string;
  /** The store's clock. */
  now?: () => Date;
  /** Called after each commit with the events written (possibly none). */
  onCommit?: (events: WaveEvent[]) => void;
}

/** Opens a fresh store (closed after the test by the factory's owner). */
export type StoreFactory = (opts?: StoreFactoryOptions) => Store;
