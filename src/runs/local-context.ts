import { randomBytes } from 'node:crypto';
import type { Project } from '../config/load-project.js';
import { WaveError } from '../errors.js';
import { EventBus } from '../events/bus.js';
import type { Logger } from '../logger.js';
import { ChangeFeed } from '../store/change-feed.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import type { Store } from '../store/store.js';
import { newOwnerId } from './ids.js';
import { RunService } from './run-service.js';
import { RunSupervisor } from './supervisor.js';

/** The composition root of one process: store, bus, supervisor and services, built once. */
export interface WaveContext {
  project: Project;
  store: Store;
  bus: EventBus;
  /** Tells waiting parties that events were committed, here or by other processes. */
  changes: ChangeFeed;
  supervisor: RunSupervisor;
  runs: RunService;
  logger: Logger;
  /** This process's lease owner id. */
  owner: string;
  close(): Promise<void>;
}

export async function createContext(
  project: Project,
  logger: Logger,
  opts: { storePath?: string } = {},
): Promise<WaveContext> {
  if (project.config.storage.driver !== 'sqlite') {
    // A known name (its store comes next), refused clearly rather than silently using SQLite.
    throw new WaveError(
      'invalid_config',
      `storage.driver "${project.config.storage.driver}" is not available in this version of wave: use storage.driver: sqlite`,
    );
  }
  const bus = new EventBus((err) => logger.error({ err }, 'event listener failed'));
  const origin = randomBytes(6).toString('hex');
  const store = new SqliteStore({
    path: opts.storePath ?? project.storagePath,
    origin,
    onCommit: (events) => changes.committed(events),
  });
  const changes = new ChangeFeed(store, bus, { origin, logger });
  await changes.start();
  const owner = newOwnerId();
  const supervisor = new RunSupervisor(store, changes, owner, logger);
  await supervisor.start();
  const runs = new RunService(store, project);
  return {
    project,
    store,
    bus,
    changes,
    supervisor,
    runs,
    logger,
    owner,
    async close() {
      await supervisor.stop();
      changes.stop();
      await store.close();
    },
  };
}
