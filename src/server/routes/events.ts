import { z } from 'zod';
import { EventsQuery, RunIdParams } from '../../api/schemas.js';
import { WaveError } from '../../errors.js';
import { TERMINAL_RUN_STATUSES } from '../../events/catalogue.js';
import type { ServerContext } from '../context.js';
import { AUTHENTICATED, errorResponses, eventStream } from '../openapi/responses.js';
import type { App } from '../types.js';

/** Documented for clients; checked by cursorOf (a whole number, else 400). */
const SseHeaders = z
  .object({
    'last-event-id': z
      .string()
      .optional()
      .describe('Resume after this event `seq` (what a reconnecting EventSource sends); wins over `since`.'),
  })
  .loose();

/** `Last-Event-ID` wins over `?since`: it is what a reconnecting EventSource sends. */
function cursorOf(header: string | string[] | undefined, since: number | undefined): number | undefined {
  const raw = Array.isArray(header) ? header[0] : header;
  if (raw === undefined || raw === '') return since;
  if (!/^\d+$/.test(raw.trim()))
    throw new WaveError(
      'invalid_request',
      `Last-Event-ID must be an event seq (a whole number), got "${raw}"`,
    );
  return Number(raw.trim());
}

async function checkCursor(ctx: ServerContext, cursor: number | undefined): Promise<void> {
  if (cursor !== undefined) await ctx.runs.checkEventCursor(cursor);
}

export function registerEventRoutes(app: App, ctx: ServerContext): void {
  app.get(
    '/api/runs/:id/events',
    {
      config: { allowQueryToken: true },
      schema: {
        operationId: 'streamRunEvents',
        summary: 'Stream the events of a run (SSE)',
        description:
          "Replays the events after the cursor, then live ones; ends after the run's terminal event. " +
          "Without a cursor it starts at the run's first event.",
        tags: ['events'],
        params: RunIdParams,
        querystring: EventsQuery,
        headers: SseHeaders,
        response: {
          200: eventStream,
          ...errorResponses([400, 404, ...AUTHENTICATED], {
            404: 'No run with this id (`run_not_found`), answered before any stream.',
          }),
        },
      },
    },
    async (request, reply) => {
      const run = await ctx.runs.requireRun(request.params.id);
      const given = cursorOf(request.headers['last-event-id'], request.query.since);
      await checkCursor(ctx, given);
      const cursor = given ?? 0;
      reply.hijack();
      await ctx.sse.open({
        raw: reply.raw,
        runId: run.id,
        runEnded: TERMINAL_RUN_STATUSES.has(run.status),
        cursor,
        headers: reply.getHeaders(),
        ...(request.query.types ? { types: new Set(request.query.types) } : {}),
      });
    },
  );

  app.get(
    '/api/events',
    {
      config: { allowQueryToken: true },
      schema: {
        operationId: 'streamEvents',
        summary: 'Stream the events of all runs (SSE)',
        description: 'Without a cursor it starts at the live tail.',
        tags: ['events'],
        querystring: EventsQuery,
        headers: SseHeaders,
        response: { 200: eventStream, ...errorResponses([400, ...AUTHENTICATED]) },
      },
    },
    async (request, reply) => {
      const given = cursorOf(request.headers['last-event-id'], request.query.since);
      await checkCursor(ctx, given);
      const cursor = given ?? ctx.feed.position;
      reply.hijack();
      await ctx.sse.open({
        raw: reply.raw,
        cursor,
        headers: reply.getHeaders(),
        ...(request.query.types ? { types: new Set(request.query.types) } : {}),
      });
    },
  );
}
