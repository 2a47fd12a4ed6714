import { z } from 'zod';
import {
  CreateRunBody,
  Gate,
  GateAnswerBody,
  GateParams,
  ListRunsQuery,
  Run,
  RunDetail,
  RunIdParams,
} from '../../api/schemas.js';
import { toGateView } from '../../runs/views.js';
import type { ServerContext } from '../context.js';
import { ResponseCache } from '../response-cache.js';
import type { App } from '../types.js';

/** The web UI and the CLI say who they are; anything else is an API client. */
function triggerSource(header: string | string[] | undefined): 'ui' | 'cli' | 'api' {
  return header === 'ui' || header === 'cli' ? header : 'api';
}

const RunList = z.object({ runs: z.array(Run), next_cursor: z.string().nullable() });

export function registerRunRoutes(app: App, ctx: ServerContext): void {
  const listCache = new ResponseCache(ctx.bus);
  app.post(
    '/api/runs',
    {
      config: { scope: 'runs:write', invalidTextCode: 'invalid_input' },
      schema: {
        body: CreateRunBody,
        headers: z.object({ 'idempotency-key': z.string().min(1).max(200).optional() }).loose(),
        response: { 200: Run, 201: Run },
      },
    },
    async (request, reply) => {
      const key = request.headers['idempotency-key'];
      const { run, created } = await ctx.runs.createRun({
        pipeline: request.body.pipeline,
        input: request.body.input ?? null,
        labels: request.body.labels ?? {},
        trigger: {
          source: triggerSource(request.headers['x-wave-client'] as string | undefined),
          actor: request.actor,
        },
        mode: 'server',
        ...(typeof key === 'string' ? { idempotencyKey: key } : {}),
      });
      if (created) ctx.scheduler.pump();
      return reply
        .code(created ? 201 : 200)
        .header('location', `/api/runs/${run.id}`)
        .send(await ctx.runs.view(run));
    },
  );

  app.get(
    '/api/runs',
    { schema: { querystring: ListRunsQuery, response: { 200: RunList } } },
    async (request, reply) => {
      // Pages are reused until the next event commits (see ResponseCache); a page is
      // validated against its schema once, when it is built.
      let body = listCache.get(request.url);
      if (body === undefined) {
        const q = request.query;
        const labels = Object.fromEntries(
          (q.label ?? []).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]),
        );
        const page = await ctx.runs.list({
          limit: q.limit,
          ...(q.status ? { statuses: q.status } : {}),
          ...(q.pipeline ? { pipeline: q.pipeline } : {}),
          ...(q.label ? { labels } : {}),
          ...(q.cursor ? { cursor: q.cursor } : {}),
        });
        body = JSON.stringify(RunList.parse(page));
        listCache.set(request.url, body);
      }
      return reply
        .type('application/json; charset=utf-8')
        .serializer((payload) => payload as string)
        .send(body as never); // already serialized: the schema typing expects the object
    },
  );

  app.get(
    '/api/runs/:id',
    { schema: { params: RunIdParams, response: { 200: RunDetail } } },
    async (request) => ctx.runs.detail(request.params.id),
  );

  app.post(
    '/api/runs/:id/cancel',
    { config: { scope: 'runs:write' }, schema: { params: RunIdParams, response: { 202: Run } } },
    async (request, reply) => {
      const { run, requested } = await ctx.runs.cancel(request.params.id, request.actor);
      // cancel_requested changes without an event.
      listCache.clear();
      // A run this server executes stops now; one of another process stops within a second.
      if (requested) ctx.supervisor.cancel(run.id, request.actor);
      return reply.code(202).send(await ctx.runs.view(run));
    },
  );

  app.post(
    '/api/runs/:id/gate/:step',
    {
      config: { scope: 'gates:answer' },
      schema: { params: GateParams, body: GateAnswerBody, response: { 200: Gate } },
    },
    async (request) => {
      await ctx.runs.answerGate(request.params.id, request.params.step, request.body, request.actor);
      const gate = (await ctx.store.listGates(request.params.id)).find(
        (g) => g.step === request.params.step,
      )!;
      return toGateView(gate);
    },
  );
}
