import { ForkRunBody, Run, RunIdParams } from '../../api/schemas.js';
import type { ServerContext } from '../context.js';
import { AUTHENTICATED, errorResponses, JSON_BODY, json } from '../openapi/responses.js';
import type { App } from '../types.js';
import { triggerSource } from './trigger-source.js';

const LOCATION = {
  Location: { description: 'The new run: `/api/runs/{id}`.', type: 'string' as const },
};

/** POST /api/runs/:id/retry and /fork (API.md "Lineage"): thin over RunService.derive. */
export function registerLineageRoutes(app: App, ctx: ServerContext): void {
  app.post(
    '/api/runs/:id/retry',
    {
      config: { scope: 'runs:write' },
      schema: {
        operationId: 'retryRun',
        summary: 'Retry a failed or cancelled run',
        description:
          'A new run (`origin.kind: "retry"`) that reuses the steps that completed in the source run ' +
          '(`step_completed` with `reused: true`) and runs the rest.',
        tags: ['runs'],
        params: RunIdParams,
        response: {
          201: json(Run, 'The new run, queued', LOCATION),
          ...errorResponses([...JSON_BODY, 404, 409, ...AUTHENTICATED], {
            404: 'No run with this id (`run_not_found`), or its pipeline is gone (`pipeline_not_found`).',
            409: 'The run is still active (`run_not_finished`) or completed (`nothing_to_retry`).',
          }),
        },
      },
    },
    async (request, reply) => {
      const run = await ctx.runs.derive(
        request.params.id,
        { kind: 'retry' },
        { trigger: triggerSource(request.headers['x-wave-client'], request.actor), mode: 'server' },
      );
      return reply
        .code(201)
        .header('location', `/api/runs/${run.id}`)
        .send(await ctx.runs.view(run));
    },
  );

  app.post(
    '/api/runs/:id/fork',
    {
      config: { scope: 'runs:write', invalidTextCode: 'invalid_input' },
      schema: {
        operationId: 'forkRun',
        summary: 'Fork a finished run from a step',
        description:
          'A new run (`origin.kind: "fork"`) in which `from_step` and every step downstream of it run ' +
          'again; every other step is reused from the source run.',
        tags: ['runs'],
        params: RunIdParams,
        body: ForkRunBody,
        response: {
          201: json(Run, 'The new run, queued', LOCATION),
          ...errorResponses([...JSON_BODY, 404, 409, ...AUTHENTICATED], {
            404: 'No run with this id (`run_not_found`) or no step `from_step` (`step_not_found`).',
            409:
              'The run is still active (`run_not_finished`), or a step the fork would reuse did not ' +
              'complete there (`step_not_completed`, `details.step` names it).',
          }),
        },
      },
    },
    async (request, reply) => {
      const run = await ctx.runs.derive(
        request.params.id,
        { kind: 'fork', fromStep: request.body.from_step },
        {
          trigger: triggerSource(request.headers['x-wave-client'], request.actor),
          mode: 'server',
          ...(request.body.input !== undefined ? { input: request.body.input } : {}),
        },
      );
      return reply
        .code(201)
        .header('location', `/api/runs/${run.id}`)
        .send(await ctx.runs.view(run));
    },
  );
}
