import type { Config } from '../config/config.js';
import type { Project } from '../config/load-project.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../logger.js';
import type { Pacer } from '../pacer.js';
import type { RunService } from '../runs/run-service.js';
import type { RunSupervisor } from '../runs/supervisor.js';
import type { RunScheduler } from '../scheduler/run-scheduler.js';
import type { ChangeFeed } from '../store/change-feed.js';
import type { Store } from '../store/store.js';
import type { RateLimiter } from './auth/rate-limit.js';
import type { ServerMetrics } from './metrics.js';
import type { Authenticator } from './plugins/auth.js';
import type { EventFeed } from './sse/feed.js';
import type { SseHub } from './sse/sse-hub.js';

/** Everything the HTTP layer uses, built once by createServerContext (the composition root). */
export interface ServerContext {
  config: Config;
  project: Project;
  store: Store;
  bus: EventBus;
  /** Tells the SSE feed, supervisor, gate waits and scheduler that something was committed. */
  changes: ChangeFeed;
  supervisor: RunSupervisor;
  runs: RunService;
  scheduler: RunScheduler;
  feed: EventFeed;
  sse: SseHub;
  /** Turns on the event loop for long reads (replays, log downloads): other requests go between. */
  pacer: Pacer;
  metrics: ServerMetrics;
  logger: Logger;
  authenticate: Authenticator;
  /** Per-actor request limits; null when rate limiting is off (loopback without auth). */
  limiter: RateLimiter | null;
  startedAt: number;
  version: string;
  /** Set when SIGTERM/SIGINT arrived: new requests get 503. */
  lifecycle: { shuttingDown: boolean };
}
