import { EventsQuery, RunIdParams } from '../../api/schemas.js';
import { WaveError } from '../../errors.js';
import { TERMINAL_RUN_STATUSES } from '../../events/catalogue.js';
import type { ServerContext } from '../context.js';
import type { App } from '../types.js';

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

/**
 * A cursor past the last committed event names events that never existed (a stream of another
 * store, a forged id): replaying "after" it would silently skip every event up to it.
 */
async function checkCursor(ctx: ServerContext, cursor: number | undefined): Promise<void> {
  if (cursor === undefined) return;
  const last = await ctx.store.lastSeq();
  if (cursor > last)
    throw new WaveError(
      'invalid_request',
      `the cursor ${cursor} (Last-Event-ID or since) is beyond the last event (${last}): resume from an id this server sent`,
      { cursor, last_seq: last },
    );
}

export function registerEventRoutes(app: App, ctx: ServerContext): void {
  app.get(
    '/api/runs/:id/events',
    { config: { allowQueryToken: true }, schema: { params: RunIdParams, querystring: EventsQuery } },
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
    { config: { allowQueryToken: true }, schema: { querystring: EventsQuery } },
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
