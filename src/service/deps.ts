import type { Project } from '../config/load-project.js';
import type { RunSupervisor } from '../runs/supervisor.js';
import type { ChangeSource } from '../store/change-feed.js';
import type { Store } from '../store/store.js';

/** What the run service is built from (by createContext). */
export interface ServiceDeps {
  store: Store;
  /** Tells waiting parties (follows) that events were committed, here or elsewhere. */
  changes: ChangeSource;
  project: Project;
  /** Aborts runs this process executes. */
  supervisor: Pick<RunSupervisor, 'cancel' | 'leaseMs'>;
  /** Told when server work was queued. */
  scheduler: { wake(): void };
  /** This process's lease owner id. */
  owner: string;
}
