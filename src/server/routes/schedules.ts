import { z } from 'zod';
import {
  CreateScheduleBody,
  PatchScheduleBody,
  PreviewScheduleBody,
  Schedule,
  ScheduleIdParams,
  SchedulePreview,
  ScheduleRunsQuery,
} from '../../api/schedule-schemas.js';
import { Run } from '../../api/schemas.js';
import type { ServerContext } from '../context.js';
import { AUTHENTICATED, errorResponses, JSON_BODY, json } from '../openapi/responses.js';
import type { App } from '../types.js';

const NOT_FOUND = { 404: 'No schedule with this id or name (`schedule_not_found`).' };
const INVALID =
  'A body that fails its schema (`invalid_request`), or an invalid cron expression, RRULE, time zone or ' +
  'unknown pipeline (`invalid_request` whose `details.field` names the field).';

/** API.md "Schedules": thin over the schedule service. */
export function registerScheduleRoutes(app: App, ctx: ServerContext): void {
  const tags = ['schedules'];

  app.get(
    '/api/schedules',
    {
      schema: {
        operationId: 'listSchedules',
        summary: 'List schedules',
        tags,
        response: {
          200: json(z.object({ schedules: z.array(Schedule) }), 'Every schedule, by name'),
          ...errorResponses([...AUTHENTICATED]),
        },
      },
    },
    async () => ({ schedules: await ctx.schedules.list() }),
  );

  app.post(
    '/api/schedules',
    {
      config: { scope: 'runs:write' },
      schema: {
        operationId: 'createSchedule',
        summary: 'Create a schedule',
        tags,
        body: CreateScheduleBody,
        response: {
          201: json(Schedule, 'The schedule'),
          ...errorResponses([...JSON_BODY, ...AUTHENTICATED], { 400: INVALID }),
        },
      },
    },
    async (request, reply) => reply.code(201).send(await ctx.schedules.create(request.body)),
  );

  app.post(
    '/api/schedules/preview',
    {
      schema: {
        operationId: 'previewSchedule',
        summary: 'Check a timetable and list its next times',
        description: 'What the web UI shows before saving: the next `count` (default 5) times, in UTC.',
        tags,
        body: PreviewScheduleBody,
        response: {
          200: json(SchedulePreview, 'The next times'),
          ...errorResponses([...JSON_BODY, ...AUTHENTICATED], { 400: INVALID }),
        },
      },
    },
    async (request) => ({ next: ctx.schedules.preview(request.body, request.body.count ?? 5) }),
  );

  app.get(
    '/api/schedules/:id',
    {
      schema: {
        operationId: 'getSchedule',
        summary: 'Get a schedule',
        tags,
        params: ScheduleIdParams,
        response: {
          200: json(Schedule, 'The schedule'),
          ...errorResponses([400, 404, ...AUTHENTICATED], NOT_FOUND),
        },
      },
    },
    async (request) => ctx.schedules.view(await ctx.schedules.require(request.params.id)),
  );

  app.patch(
    '/api/schedules/:id',
    {
      config: { scope: 'runs:write' },
      schema: {
        operationId: 'updateSchedule',
        summary: 'Change a schedule',
        tags,
        params: ScheduleIdParams,
        body: PatchScheduleBody,
        response: {
          200: json(Schedule, 'The schedule'),
          ...errorResponses([...JSON_BODY, 404, 409, ...AUTHENTICATED], {
            400: INVALID,
            ...NOT_FOUND,
            409: 'The schedule is declared in wave.yaml (`schedule_from_config`).',
          }),
        },
      },
    },
    async (request) => ctx.schedules.update(request.params.id, request.body),
  );

  app.delete(
    '/api/schedules/:id',
    {
      config: { scope: 'runs:write' },
      schema: {
        operationId: 'deleteSchedule',
        summary: 'Delete a schedule',
        tags,
        params: ScheduleIdParams,
        response: {
          204: { description: 'Deleted', content: { 'application/json': { schema: z.null() } } },
          ...errorResponses([400, 404, 409, ...AUTHENTICATED], {
            ...NOT_FOUND,
            409: 'The schedule is declared in wave.yaml (`schedule_from_config`).',
          }),
        },
      },
    },
    async (request, reply) => {
      await ctx.schedules.remove(request.params.id);
      return reply.code(204).send();
    },
  );

  for (const action of ['pause', 'resume'] as const) {
    app.post(
      `/api/schedules/:id/${action}`,
      {
        config: { scope: 'runs:write' },
        schema: {
          operationId: `${action}Schedule`,
          summary:
            action === 'pause'
              ? 'Pause a schedule'
              : 'Resume a schedule (slots missed while paused are not run)',
          tags,
          params: ScheduleIdParams,
          response: {
            200: json(Schedule, 'The schedule'),
            ...errorResponses([...JSON_BODY, 404, ...AUTHENTICATED], NOT_FOUND),
          },
        },
      },
      async (request) => ctx.schedules.setPaused(request.params.id, action === 'pause'),
    );
  }

  app.post(
    '/api/schedules/:id/run',
    {
      config: { scope: 'runs:write' },
      schema: {
        operationId: 'runSchedule',
        summary: "Start a schedule's run now",
        description: "Regardless of the timetable; the run has the same trigger and label as a slot's run.",
        tags,
        params: ScheduleIdParams,
        response: {
          201: json(Run, 'The run, queued'),
          ...errorResponses([...JSON_BODY, 404, 409, ...AUTHENTICATED], {
            400: 'The pipeline needs an input the schedule does not give, or is invalid.',
            ...NOT_FOUND,
            409: 'The pipeline is disabled (`pipeline_disabled`).',
          }),
        },
      },
    },
    async (request, reply) => {
      const run = await ctx.schedules.runNow(request.params.id);
      return reply
        .code(201)
        .header('location', `/api/runs/${run.id}`)
        .send(await ctx.runs.view(run));
    },
  );

  app.get(
    '/api/schedules/:id/runs',
    {
      schema: {
        operationId: 'listScheduleRuns',
        summary: "A schedule's runs, newest first",
        tags,
        params: ScheduleIdParams,
        querystring: ScheduleRunsQuery,
        response: {
          200: json(z.object({ runs: z.array(Run), next_cursor: z.string().nullable() }), 'One page of runs'),
          ...errorResponses([400, 404, ...AUTHENTICATED], NOT_FOUND),
        },
      },
    },
    async (request) =>
      ctx.schedules.runs(request.params.id, {
        limit: request.query.limit,
        ...(request.query.cursor ? { cursor: request.query.cursor } : {}),
      }),
  );
}
