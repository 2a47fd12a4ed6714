import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { servesApi } from '../config/config.js';
import { WaveError } from '../errors.js';
import type { ServerContext } from './context.js';
import { clientErrorHandler, frameworkErrorHandler, installErrorHandling } from './error-handler.js';
import { openApiOptions } from './openapi/document.js';
import { responseSerializerCompiler } from './openapi/serializer.js';
import { installAuth } from './plugins/auth.js';
import { hostOriginPolicy, installHostOriginCheck } from './plugins/host-origin.js';
import { installSecurityHeaders, registerCors } from './plugins/http-hygiene.js';
import { installJsonBodyParser } from './plugins/json-body.js';
import { registerWebUi } from './plugins/web-ui.js';
import { registerEventRoutes } from './routes/events.js';
import { registerHealthRoutes, registerOpenApiRoute } from './routes/health.js';
import { registerInsightsRoutes } from './routes/insights.js';
import { registerLineageRoutes } from './routes/lineage.js';
import { registerNotificationRoutes } from './routes/notifications.js';
import { registerPipelineRoutes } from './routes/pipelines.js';
import { registerRunChangesRoutes } from './routes/run-changes.js';
import { registerRunOutputRoutes } from './routes/run-output.js';
import { registerRunRoutes } from './routes/runs.js';
import { registerScheduleRoutes } from './routes/schedules.js';
import { registerWebhookRoutes } from './routes/webhooks.js';
import type { App } from './types.js';

export interface AppOptions {
  /** A pino-compatible logger for Fastify (the serve command passes its own). */
  loggerInstance?: FastifyInstance['log'];
  /** Extra Fastify server options (TLS, in the security issue). */
  https?: Record<string, unknown> | null;
}

/** Query strings are logged without credentials (`access_token`). */
export function safeUrl(url: string): string {
  return url.replace(/([?&]access_token=)[^&]*/gi, '$1[redacted]');
}

/**
 * Builds the HTTP app on a context, without listening: tests use it with inject() or a real
 * port; `wave serve` listens, handles signals and tears down (STYLE.md: the app is not the process).
 */
export async function buildApp(ctx: ServerContext, opts: AppOptions = {}): Promise<App> {
  const app = Fastify({
    ...(opts.loggerInstance ? { loggerInstance: opts.loggerInstance } : { logger: false }),
    ...(opts.https ? { https: opts.https } : {}),
    bodyLimit: ctx.config.server.body_limit,
    // One line per request is written by our onResponse hook, not Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
  }).withTypeProvider<ZodTypeProvider>() as unknown as App;

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(responseSerializerCompiler);
  installErrorHandling(app);

  installJsonBodyParser(app);

  // First: a request for another host name, or a cross-site write, learns nothing (none mode).
  const hostOrigin = hostOriginPolicy(ctx.config);
  if (hostOrigin) installHostOriginCheck(app, hostOrigin);
  app.addHook('onRequest', async () => {
    if (ctx.lifecycle.shuttingDown)
      throw new WaveError('shutting_down', 'the server is shutting down; retry in a moment');
  });
  if (ctx.config.server.cors.origins.length) await registerCors(app, ctx.config.server.cors.origins);
  installAuth(app, ctx.authenticate, ctx.limiter);
  installSecurityHeaders(app, ctx.config.server.tls.enabled);

  // Closing reaps only the keep-alive connections idle at that moment: one whose response was
  // still being sent (a streamed artifact) would hold close() for the keep-alive timeout.
  // Such a connection is ended as soon as its response is done.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onResponse', async (request) => {
    if (closing) request.raw.socket?.end();
  });

  // One log line per request, with the run it concerns and who asked.
  app.addHook('onResponse', async (request, reply) => {
    const ms = reply.elapsedTime;
    const route = request.routeOptions.url ?? 'unknown';
    ctx.metrics.httpDuration.observe(
      { method: request.method, route, status: String(reply.statusCode) },
      ms / 1000,
    );
    const params = request.params as { id?: string } | undefined;
    request.log.info(
      {
        method: request.method,
        url: safeUrl(request.url),
        status: reply.statusCode,
        ms: Math.round(ms * 10) / 10,
        run: params?.id,
        actor: request.actor,
      },
      'request',
    );
  });

  await app.register(fastifySwagger, openApiOptions(ctx.version));

  registerHealthRoutes(app, ctx);
  // A worker's port answers health and metrics only (DESIGN.md "Many servers, one database").
  if (!servesApi(ctx.config.server.role)) return app;
  registerOpenApiRoute(app);
  registerPipelineRoutes(app, ctx);
  registerRunRoutes(app, ctx);
  registerLineageRoutes(app, ctx);
  registerRunOutputRoutes(app, ctx);
  registerRunChangesRoutes(app, ctx);
  registerEventRoutes(app, ctx);
  registerWebhookRoutes(app, ctx);
  registerScheduleRoutes(app, ctx);
  registerNotificationRoutes(app, ctx);
  registerInsightsRoutes(app, ctx);
  registerWebUi(app);
  return app;
}
