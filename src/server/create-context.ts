import type { Project } from '../config/load-project.js';
import { WaveError } from '../errors.js';
import type { Logger } from '../logger.js';
import { Pacer } from '../pacer.js';
import { didYouMean } from '../pipeline/suggest.js';
import type { Clock } from '../scheduler/clock.js';
import { createContext } from '../service/context.js';
import { InstanceService } from '../service/instances.js';
import { NotificationDispatcher } from '../service/notifications/dispatcher.js';
import { runFileDirsOf } from '../service/retention/prune-runs.js';
import { RetentionTimer } from '../service/retention/retention-timer.js';
import { version } from '../version.js';
import { createAuthenticator } from './auth/authenticator.js';
import { RateLimiter } from './auth/rate-limit.js';
import type { ServerContext } from './context.js';
import { ServerMetrics } from './metrics.js';
import type { Authenticator } from './plugins/auth.js';
import { EventFeed } from './sse/feed.js';
import { SseHub } from './sse/sse-hub.js';

export interface ServerContextOptions {
  storePath?: string;
  /** Schedules' time (tests pass a fake one). */
  clock?: Clock;
  authenticate?: Authenticator;
  /** SSE tuning (tests shorten the heartbeat). */
  sse?: { maxBufferBytes?: number; heartbeatMs?: number };
  /** Retention tuning (tests: a short interval, a fake clock). */
  retention?: { intervalMs?: number; now?: () => Date };
  /** Notification tuning (tests: a short timeout and backoff). */
  notifications?: { timeoutMs?: number; backoffMs?: readonly number[] };
}

/** The server's context: the process's (createContext) plus SSE, metrics and auth, built once. */
export async function createServerContext(
  project: Project,
  logger: Logger,
  opts: ServerContextOptions = {},
): Promise<ServerContext> {
  // Refuse a configuration that cannot work before anything is opened.
  const authenticate = opts.authenticate ?? createAuthenticator(project.config);
  checkWebhookTriggers(project);
  checkNotificationPipelines(project);
  const base = await createContext(project, logger, {
    ...(opts.storePath ? { storePath: opts.storePath } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  try {
    const config = project.config;
    await base.schedules.loadConfig(config.schedules);
    const pacer = new Pacer();
    const feed = new EventFeed(base.store, base.changes, logger, pacer);
    await feed.start();
    const sse = new SseHub(
      base.store,
      feed,
      {
        maxBufferBytes: opts.sse?.maxBufferBytes ?? 1024 * 1024,
        heartbeatMs: opts.sse?.heartbeatMs ?? 15_000,
      },
      logger,
      pacer,
    );
    const retention = new RetentionTimer(base.store, {
      retention: config.storage.retention,
      dirs: runFileDirsOf(project),
      logger,
      ...opts.retention,
    });
    const notifier = new NotificationDispatcher(base.store, base.changes, {
      notifications: config.server.notifications,
      owner: base.owner,
      logger,
      ...opts.notifications,
    });
    const metrics = new ServerMetrics(base.store, base.bus, {
      instance: base.owner,
      sseClients: () => sse.clientCount,
      runningRuns: () => base.scheduler.runningCount,
      adapters: () => base.adapterLimits.snapshot(),
    });
    return {
      ...base,
      config,
      feed,
      sse,
      pacer,
      metrics,
      instances: new InstanceService(base.store, { id: base.owner, role: config.server.role }),
      retention,
      notifier,
      authenticate,
      limiter: config.server.rate_limit.enabled
        ? new RateLimiter(config.server.rate_limit.max, config.server.rate_limit.window_ms)
        : null,
      startedAt: Date.now(),
      version: version(),
      lifecycle: { shuttingDown: false },
      async close() {
        await retention.stop();
        await notifier.stop();
        feed.stop();
        await base.close();
      },
    };
  } catch (err) {
    await base.close();
    throw err;
  }
}

/** Every webhook trigger must name a pipeline of the project: found at start, not at delivery. */
function checkWebhookTriggers(project: Project): void {
  const names = project.pipelineNames();
  for (const [provider, settings] of Object.entries(project.config.server.webhooks)) {
    for (const t of settings?.triggers ?? []) {
      if (!names.includes(t.pipeline)) {
        const hint = didYouMean(t.pipeline, names);
        throw new WaveError(
          'invalid_config',
          `server.webhooks.${provider}: trigger for "${t.event}" names unknown pipeline "${t.pipeline}"${hint ? ` (${hint})` : ''}`,
        );
      }
    }
  }
}

/** A notification's `pipelines` must name pipelines of the project. */
function checkNotificationPipelines(project: Project): void {
  const names = project.pipelineNames();
  for (const n of project.config.server.notifications) {
    for (const p of n.pipelines ?? []) {
      if (!names.includes(p)) {
        const hint = didYouMean(p, names);
        throw new WaveError(
          'invalid_config',
          `server.notifications: "${n.name}" names unknown pipeline "${p}"${hint ? ` (${hint})` : ''}`,
        );
      }
    }
  }
}
