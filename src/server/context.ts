import type { Config } from '../config/config.js';
import type { Pacer } from '../pacer.js';
import type { WaveContext } from '../service/context.js';
import type { InstanceService } from '../service/instances.js';
import type { NotificationDispatcher } from '../service/notifications/dispatcher.js';
import type { RetentionTimer } from '../service/retention/retention-timer.js';
import type { RateLimiter } from './auth/rate-limit.js';
import type { ServerMetrics } from './metrics.js';
import type { Authenticator } from './plugins/auth.js';
import type { EventFeed } from './sse/feed.js';
import type { SseHub } from './sse/sse-hub.js';

/** Everything the HTTP layer uses: the process's context (createContext) and the server's parts. */
export interface ServerContext extends WaveContext {
  config: Config;
  feed: EventFeed;
  sse: SseHub;
  /** Turns on the event loop for long reads (replays, log downloads): other requests go between. */
  pacer: Pacer;
  metrics: ServerMetrics;
  /** This instance and (on PostgreSQL) the others sharing the store, for /api/health. */
  instances: InstanceService;
  authenticate: Authenticator;
  /** Per-actor request limits; null when rate limiting is off (loopback without auth). */
  limiter: RateLimiter | null;
  startedAt: number;
  version: string;
  /** storage.retention's hourly prune (started with the scheduler). */
  retention: RetentionTimer;
  /** server.notifications' deliveries (started with the scheduler). */
  notifier: NotificationDispatcher;
  /** Set when SIGTERM/SIGINT arrived: new requests get 503. */
  lifecycle: { shuttingDown: boolean };
}
