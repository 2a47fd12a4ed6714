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
import type { ServerContext } from '../context.js';
import { AUTHENTICATED, errorResponses, JSON_BODY, json } from '../openapi/responses.js';
import { ResponseCache } from '../response-cache.js';
import type { App } from '../types.js';
import { triggerSource } from './trigger-source.js';

const RunList = z.object({ runs: z.array(Run), next_cursor: z.string().nullable() });

const LOCATION = {
  Location: { description: 'The run: `/api/runs/{id}`.', type: 'string' as const },
};

export function registerRunRoutes(app: App, ctx: ServerContext): void {
  const listCache = new ResponseCache(ctx.bus);
  app.post(
    '/api/runs',
    {
      config: { scope: 'runs:write', invalidTextCode: 'invalid_input' },
      schema: {
        operationId: 'createRun',
        summary: 'Queue a run',
        description: 'Returns at once with the run `queued`.',
        tags: ['runs'],
        body: CreateRunBody,
        headers: z
          .object({
            'idempotency-key': z
              .string()
              .min(1)
              .max(200)
              .optional()
              .describe(
                'A repeat of this key by the same actor within 24 hours returns the first run (200).',
              ),
          })
          .loose(),
        response: {
          200: json(Run, 'The run an earlier request with the same Idempotency-Key created', LOCATION),
          201: json(Run, 'The run, queued', LOCATION),
          ...errorResponses([...JSON_BODY, 404, 409, 422, ...AUTHENTICATED], {
            400:
              'A body that fails its schema or is not JSON (`invalid_request`), no input for a pipeline that ' +
              'requires one (`input_required`), an input with NUL or not UTF-8 (`invalid_input`), or a ' +
              'pipeline file with errors (`invalid_pipeline`).',
            404: 'No pipeline of this name (`pipeline_not_found`).',
            409: 'The pipeline is disabled (`pipeline_disabled`).',
          }),
        },
      },
    },
    async (request, reply) => {
      const key = request.headers['idempotency-key'];
      const { run, created, queuePosition } = await ctx.runs.submit({
        pipeline: request.body.pipeline,
        input: request.body.input ?? null,
        labels: request.body.labels ?? {},
        trigger: triggerSource(request.headers['x-wave-client'] as string | undefined, request.actor),
        mode: 'server',
        ...(typeof key === 'string' ? { idempotencyKey: key } : {}),
      });
      return reply
        .code(created ? 201 : 200)
        .header('location', `/api/runs/${run.id}`)
        .send(await ctx.runs.view(run, queuePosition));
    },
  );

  app.get(
    '/api/runs',
    {
      schema: {
        operationId: 'listRuns',
        summary: 'List runs, newest first',
        description: 'Pages never skip or repeat a run while runs are created; follow `next_cursor`.',
        tags: ['runs'],
        querystring: ListRunsQuery,
        response: { 200: json(RunList, 'One page of runs'), ...errorResponses([400, ...AUTHENTICATED]) },
      },
    },
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
          ...(q.parent ? { parent: q.parent } : {}),
          ...(q.origin ? { origin: q.origin } : {}),
          ...(q.include_children ? { includeChildren: true } : {}),
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
    {
      schema: {
        operationId: 'getRun',
        summary: 'Get a run with its steps and gates',
        tags: ['runs'],
        params: RunIdParams,
        response: {
          200: json(RunDetail, 'The run, its steps, gates, outcomes and outputs'),
          ...errorResponses([400, 404, ...AUTHENTICATED], { 404: 'No run with this id (`run_not_found`).' }),
        },
      },
    },
    async (request) => ctx.runs.detail(request.params.id),
  );

  app.post(
    '/api/runs/:id/cancel',
    {
      config: { scope: 'runs:write' },
      schema: {
        operationId: 'cancelRun',
        summary: 'Cancel a run',
        description:
          'A queued run ends `cancelled` at once; a running or waiting one gets `cancel_requested` and ' +
          'its processes are stopped. Repeating the request is harmless.',
        tags: ['runs'],
        params: RunIdParams,
        response: {
          202: json(Run, 'The run, cancelled or with `cancel_requested`'),
          ...errorResponses([...JSON_BODY, 404, 409, ...AUTHENTICATED], {
            404: 'No run with this id (`run_not_found`).',
            409: 'The run has ended (`run_finished`).',
          }),
        },
      },
    },
    async (request, reply) => {
      const { run } = await ctx.runs.cancel(request.params.id, request.actor);
      // cancel_requested changes without an event.
      listCache.clear();
      return reply.code(202).send(await ctx.runs.view(run));
    },
  );

  app.post(
    '/api/runs/:id/gate/:step',
    {
      config: { scope: 'gates:answer' },
      schema: {
        operationId: 'answerGate',
        summary: 'Answer a waiting gate',
        description: 'The first answer wins; every other gets 409.',
        tags: ['runs'],
        params: GateParams,
        body: GateAnswerBody,
        response: {
          200: json(Gate, 'The gate, answered'),
          ...errorResponses([...JSON_BODY, 404, 409, ...AUTHENTICATED], {
            400:
              'A body that fails its schema or is not JSON (`invalid_request`), or a choice that is not one ' +
              "of the gate's, or text for a gate without `freeform` (`invalid_choice`).",
            404: 'No run with this id (`run_not_found`) or no gate step of this name (`step_not_found`).',
            409: 'The gate is not waiting: answered, timed out or not reached yet (`gate_not_waiting`).',
          }),
        },
      },
    },
    async (request) =>
      ctx.runs.answerGate(request.params.id, request.params.step, request.body, request.actor),
  );
}
