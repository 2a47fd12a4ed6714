import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { AUTHENTICATED, errorResponses, json } from '../openapi/responses.js';
import type { App } from '../types.js';

const DeliveryQuery = z.object({
  status: z.enum(['pending', 'failed', 'delivered']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const Delivery = z.object({
  id: z.string(),
  notification: z.string(),
  event: z.string(),
  event_seq: z.number().int(),
  run_id: z.string(),
  url: z.string(),
  status: z.enum(['pending', 'failed', 'delivered']),
  attempts: z.number().int(),
  next_attempt_at: z.string().nullable(),
  last_status: z.number().int().nullable(),
  last_error: z.string().nullable(),
  created_at: z.string(),
  finished_at: z.string().nullable(),
});

/** API.md "Notifications": the deliveries list (admin). */
export function registerNotificationRoutes(app: App, ctx: ServerContext): void {
  app.get(
    '/api/notifications/deliveries',
    {
      config: { scope: 'admin' },
      schema: {
        operationId: 'listNotificationDeliveries',
        summary: 'List outbound notification deliveries, newest event first',
        tags: ['notifications'],
        querystring: DeliveryQuery,
        response: {
          200: json(z.object({ deliveries: z.array(Delivery) }), 'Deliveries'),
          ...errorResponses([400, ...AUTHENTICATED]),
        },
      },
    },
    async (request) => {
      const q = request.query;
      const deliveries = await ctx.notifier.listDeliveries({
        limit: q.limit,
        ...(q.status ? { status: q.status } : {}),
      });
      return { deliveries };
    },
  );
}
