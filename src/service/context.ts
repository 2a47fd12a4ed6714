import { randomBytes } from 'node:crypto';
import type { Project } from '../config/load-project.js';
import { AdapterLimits } from '../engine/adapter-limits.js';
import { EventBus } from '../events/bus.js';
import type { Logger } from '../logger.js';
import { NarrativeWriter } from '../runs/narratives.js';
import { RunSupervisor } from '../runs/supervisor.js';
import { type Clock, systemClock } from '../scheduler/clock.js';
import { newOwnerId } from '../scheduler/leases.js';
import { markGoneLocalInstances } from '../scheduler/owner-liveness.js';
import { RunScheduler } from '../scheduler/run-scheduler.js';
import { ScheduleTicker } from '../scheduler/schedule-ticker.js';
import { ChangeFeed } from '../store/change-feed.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { InsightsService } from './insights/insights-service.js';
import { RunService } from './run-service.js';
import { ScheduleService } from './schedule-service.js';

/**
 * The composition root of one process: store, bus, supervisor, scheduler and the run service,
 * built once. `wave serve` starts the scheduler; local commands never do, so it never takes a
 * server's queued runs.
 */
export interface WaveContext {
  project: Project;
  store: Store;
  bus: EventBus;
  /** Tells waiting parties that events were committed, here or by other processes. */
  changes: ChangeFeed;
  supervisor: RunSupervisor;
  scheduler: RunScheduler;
  runs: RunService;
  schedules: ScheduleService;
  /** Insights over a window, retrospectives of finished runs. */
  insights: InsightsService;
  /** Fires schedules' slots; only `wave serve` starts it. */
  scheduleTicker: ScheduleTicker;
  logger: Logger;
  /** Places on limited adapters: every run this process executes shares them. */
  adapterLimits: AdapterLimits;
  /** Writes finished runs' narratives (retrospective.persona). */
  narratives: NarrativeWriter;
  /** This process's lease owner id. */
  owner: string;
  /** Releases everything in the reverse order of its creation. */
  close(): Promise<void>;
}

export interface ContextOptions {
  /** Another database file than the configured one (tests, benchmarks). */
  storePath?: string;
  /** Schedules' time (tests pass a fake one). */
  clock?: Clock;
}

export async function createContext(
  project: Project,
  logger: Logger,
  opts: ContextOptions = {},
): Promise<WaveContext> {
  const releases: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const release of releases.splice(0).reverse()) await release();
  };
  try {
    const bus = new EventBus((err) => logger.error({ err }, 'event listener failed'));
    const origin = randomBytes(6).toString('hex');
    const store = openStore(
      { ...project.storage, path: opts.storePath ?? project.storagePath },
      { origin, onCommit: (events) => changes.committed(events) },
    );
    releases.push(() => store.close());
    // A database that cannot be reached or refuses the credentials fails the start here, with
    // one line saying which (store_unavailable: exit 3), before anything else is built.
    await store.ready();
    const changes = new ChangeFeed(store, bus, { origin, logger });
    await changes.start();
    releases.push(() => changes.stop());
    const owner = newOwnerId();
    const server = project.config.server;
    const supervisor = new RunSupervisor(store, changes, owner, logger, {
      role: server.role,
      leaseMs: server.lease_timeout_ms,
    });
    await supervisor.start();
    releases.push(() => supervisor.stop());
    const adapterLimits = AdapterLimits.fromConfig(project.config.adapters, {
      places: store.adapterPlaces,
      owner,
      leaseMs: server.lease_timeout_ms,
      // Another process's step ending or run being cancelled commits events; joining a line
      // does not, so waiting processes do not wake each other up for nothing.
      onChange: (fn) =>
        changes.subscribe((n) => {
          if (n.foreign && n.events.length > 0) fn();
        }),
      // A killed process of this host frees its places at once, not when its lease runs out.
      reap: () => markGoneLocalInstances(store),
    });
    const narratives = new NarrativeWriter({ store, project, logger });
    releases.push(() => narratives.stop());
    const scheduler = new RunScheduler(
      { store, bus, changes, project, supervisor, logger, adapterLimits, narratives },
      {
        maxConcurrent: server.max_concurrent,
        globalMaxConcurrent: server.global_max_concurrent,
        recovery: server.recovery,
        mock: server.mock,
        logger,
      },
    );
    releases.push(() => scheduler.stop());
    const runs = new RunService({ store, changes, project, supervisor, scheduler, owner });
    const clock = opts.clock ?? systemClock;
    const schedules: ScheduleService = new ScheduleService({
      schedules: store.schedules,
      runs,
      project,
      clock,
      changed: () => scheduleTicker.wake(),
    });
    const scheduleTicker = new ScheduleTicker({
      schedules: store.schedules,
      fire: (schedule, slotAt) => schedules.fire(schedule, slotAt),
      owner,
      clock,
      logger,
    });
    releases.push(() => scheduleTicker.stop());
    return {
      project,
      store,
      bus,
      changes,
      supervisor,
      scheduler,
      runs,
      schedules,
      insights: new InsightsService(store),
      scheduleTicker,
      logger,
      adapterLimits,
      narratives,
      owner,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
