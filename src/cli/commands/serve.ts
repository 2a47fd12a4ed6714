import { resolve } from 'node:path';
import { z } from 'zod';
import { formatHostPort, isLoopback } from '../../config/bind.js';
import { executesRuns } from '../../config/config.js';
import { writeFileAtomic } from '../../lifecycle/pid-file.js';
import { buildApp } from '../../server/app.js';
import { createServerContext } from '../../server/create-context.js';
import { createServerLogger } from '../../server/logger.js';
import { httpsOptions } from '../../server/tls.js';
import { EXIT, ExitError } from '../exit.js';
import { type CliIO, err } from '../io.js';
import { openProject, parseFlags } from '../options.js';
import { ServeFlags } from './serve-flags.js';

const ServeRunFlags = ServeFlags.extend({
  /** Hidden: where to write the URL once listening (for `wave server start`). */
  urlFile: z.string().min(1).optional(),
});

/**
 * `wave serve`: the daemon. Listens, recovers runs a previous process left, and on SIGTERM or
 * SIGINT drains: new requests get 503, streams close, running steps stop (their runs resume at
 * next start), and the process exits within shutdown_grace + 5 s.
 */
export async function runServe(io: CliIO, raw: unknown): Promise<number> {
  const opts = parseFlags(ServeRunFlags, raw);
  const project = openProject(io, opts, {
    configFlags: {
      ...(opts.host ? { host: opts.host } : {}),
      ...(opts.port !== undefined ? { port: opts.port } : {}),
      ...(opts.bind ? { bind: opts.bind } : {}),
      ...(opts.maxConcurrent ? { maxConcurrent: opts.maxConcurrent } : {}),
      ...(opts.role ? { role: opts.role } : {}),
      ...(opts.mock ? { mock: true } : {}),
      ...(opts.insecure ? { insecure: true } : {}),
      ...(opts.logLevel ? { logLevel: opts.logLevel } : {}),
    },
  });
  const config = project.config;
  if (
    config.server.auth.modes.includes('none') &&
    !isLoopback(config.server.host) &&
    !config.server.insecure
  ) {
    throw new ExitError(
      EXIT.usage,
      `refusing to serve ${formatHostPort(config.server.host, config.server.port)} without authentication: bind a loopback address, set server.auth.mode (jwt or mtls), or pass --insecure if you really want an open server`,
    );
  }
  const https = httpsOptions(config, (p) => project.runtimePath(p));
  const logger = createServerLogger({
    level: config.server.log_level,
    pretty: Boolean(io.stderr.isTTY) && io.env.NO_COLOR === undefined,
  });
  const ctx = await createServerContext(project, logger);
  const app = await buildApp(ctx, { loggerInstance: logger, https });
  try {
    await app.listen({ host: config.server.host, port: config.server.port });
  } catch (e) {
    await ctx.close();
    const code = (e as NodeJS.ErrnoException).code;
    throw new ExitError(
      EXIT.unreachable,
      `cannot listen on ${formatHostPort(config.server.host, config.server.port)}: ${code === 'EADDRINUSE' ? 'the address is in use' : (e as Error).message}`,
    );
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  const url = `${https ? 'https' : 'http'}://${formatHostPort(config.server.host, port)}`;
  // `wave server start` learns the URL (the port may have been 0) from this file.
  if (opts.urlFile) writeFileAtomic(resolve(io.cwd, opts.urlFile), `${url}\n`);
  logger.info(
    {
      url,
      store: ctx.store.location,
      role: config.server.role,
      instance: ctx.owner,
      max_concurrent: config.server.max_concurrent,
      mock: config.server.mock,
    },
    'wave serve listening',
  );
  // An api instance never claims nor recovers runs: workers sharing the store do. Schedules,
  // notifications and retention are coordinated through the store (a slot row fires once, a
  // delivery is leased to one sender), so every role runs them.
  if (executesRuns(config.server.role)) await ctx.scheduler.start();
  ctx.scheduleTicker.start();
  ctx.retention.start();
  ctx.notifier.start();

  return new Promise<number>((resolve) => {
    let stopping = false;
    const shutdown = async (signal: string) => {
      if (stopping) {
        err(io, `${signal} again: exiting now`);
        process.exit(1);
      }
      stopping = true;
      logger.info({ signal }, 'shutting down');
      const grace = config.server.shutdown_grace_ms;
      const backstop = setTimeout(() => {
        logger.error('shutdown took too long: exiting');
        process.exit(1);
      }, grace + 5000);
      backstop.unref();
      ctx.lifecycle.shuttingDown = true;
      ctx.sse.closeAll();
      await ctx.scheduleTicker.stop();
      await ctx.scheduler.stop();
      ctx.supervisor.haltAll();
      await Promise.race([ctx.scheduler.drain(), new Promise((r) => setTimeout(r, grace).unref())]);
      await app.close().catch(() => undefined);
      await ctx.close();
      logger.info('stopped');
      logger.flush?.();
      resolve(EXIT.ok);
    };
    process.on('SIGTERM', () => void shutdown('SIGTERM'));
    process.on('SIGINT', () => void shutdown('SIGINT'));
  });
}
