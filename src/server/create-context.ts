import type { Project } from '../config/load-project.js';
import type { Logger } from '../logger.js';
import { createContext } from '../runs/local-context.js';
import { RunScheduler } from '../scheduler/run-scheduler.js';
import { version } from '../version.js';
import type { ServerContext } from './context.js';
import { ServerMetrics } from './metrics.js';
import { type Authenticator, noAuth } from './plugins/auth.js';
import { EventFeed } from './sse/feed.js';
import { SseHub } from './sse/sse-hub.js';

export interface ServerContextOptions {
  storePath?: string;
  authenticate?: Authenticator;
  /** SSE tuning (tests shorten the heartbeat). */
  sse?: { maxBufferBytes?: number; heartbeatMs?: number };
}

/** The server's composition root: store, bus, supervisor, scheduler, SSE, metrics, once. */
export async function createServerContext(
  project: Project,
  logger: Logger,
  opts: ServerContextOptions = {},
): Promise<ServerContext> {
  const base = await createContext(project, logger, opts.storePath ? { storePath: opts.storePath } : {});
  const config = project.config;
  const feed = new EventFeed(base.store, base.bus, logger);
  await feed.start();
  const sse = new SseHub(
    base.store,
    feed,
    { maxBufferBytes: opts.sse?.maxBufferBytes ?? 1024 * 1024, heartbeatMs: opts.sse?.heartbeatMs ?? 15_000 },
    logger,
  );
  let scheduler: RunScheduler | undefined;
  const metrics = new ServerMetrics(base.store, base.bus, {
    sseClients: () => sse.clientCount,
    runningRuns: () => scheduler?.runningCount ?? 0,
  });
  scheduler = new RunScheduler(
    { store: base.store, bus: base.bus, project, supervisor: base.supervisor, logger },
    {
      maxConcurrent: config.server.max_concurrent,
      recovery: config.server.recovery,
      mock: config.server.mock,
      logger,
    },
  );
  return {
    config,
    project,
    store: base.store,
    bus: base.bus,
    supervisor: base.supervisor,
    runs: base.runs,
    scheduler,
    feed,
    sse,
    metrics,
    logger,
    authenticate: opts.authenticate ?? noAuth,
    startedAt: Date.now(),
    version: version(),
    lifecycle: { shuttingDown: false },
  };
}
