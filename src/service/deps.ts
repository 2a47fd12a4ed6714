import type { Project } from '../config/load-project.js';
import type { EventBus } from '../events/bus.js';
import type { RunSupervisor } from '../runs/supervisor.js';
import type { Store } from '../store/store.js';

/** What the run service is built from (by createContext). */
export interface ServiceDeps {
  store: Store;
  bus: EventBus;
  project: Project;
  /** Aborts runs this process executes. */
  supervisor: Pick<RunSupervisor, 'cancel'>;
  /** Told when server work was queued. */
  scheduler: { wake(): void };
  /** This process's lease owner id. */
  owner: string;
}
