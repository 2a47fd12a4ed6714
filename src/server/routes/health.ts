import { z } from 'zod';
import { Health } from '../../api/schemas.js';
import type { ServerContext } from '../context.js';
import { errorResponses, json, PUBLIC } from '../openapi/responses.js';
import type { App } from '../types.js';

export function registerHealthRoutes(app: App, ctx: ServerContext): void {
  // `security: []`: the document says these two need no credentials, as API.md does.
  app.get(
    '/api/health',
    {
      config: { scope: 'none' },
      schema: {
        operationId: 'getHealth',
        summary: 'Server health',
        description:
          'Needs no credentials. The version, the store, how many runs are active, the instance that answered and (on PostgreSQL) every instance seen in the last minute.',
        tags: ['server'],
        security: [],
        response: { 200: json(Health, 'The server is up'), ...errorResponses(PUBLIC) },
      },
    },
    async () => {
      const counts = await ctx.runs.activeCounts();
      return {
        status: 'ok' as const,
        version: ctx.version,
        uptime_s: Math.round((Date.now() - ctx.startedAt) / 1000),
        storage: ctx.runs.storage.kind,
        max_concurrent: ctx.config.server.max_concurrent,
        runs: { queued: counts.queued, running: counts.running, waiting: counts.waiting },
        instance: ctx.instances.current,
        ...(ctx.instances.shared ? { instances: await ctx.instances.seen() } : {}),
      };
    },
  );

  app.get('/metrics', { config: { scope: 'runs:read' }, schema: { hide: true } }, async (_req, reply) => {
    const { contentType, body } = await ctx.metrics.render();
    return reply.type(contentType).send(body);
  });
}

/** The OpenAPI document (every role but worker serves it). */
export function registerOpenApiRoute(app: App): void {
  app.get(
    '/api/openapi.json',
    {
      config: { scope: 'none' },
      schema: { hide: true, security: [], response: { 200: z.record(z.string(), z.unknown()) } },
    },
    async () => app.swagger() as unknown as Record<string, unknown>,
  );
}
