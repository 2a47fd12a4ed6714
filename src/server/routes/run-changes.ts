import { z } from 'zod';
import { DiffQuery, DiffStat, RunIdParams } from '../../api/schemas.js';
import type { ServerContext } from '../context.js';
import { AUTHENTICATED, errorResponses } from '../openapi/responses.js';
import type { App } from '../types.js';

export function registerRunChangesRoutes(app: App, ctx: ServerContext): void {
  app.get(
    '/api/runs/:id/diff',
    {
      schema: {
        operationId: 'getRunDiff',
        summary: 'What a run changed in code',
        description:
          "A unified diff of the run's worktree branch against the commit it started from (one commit " +
          'per worktree step, `wave: <run-id> <step>`); kept as the run artifact `diff` once the run ends ' +
          "(step `_run`: GET /api/runs/:id/artifacts/_run/diff; listed in the run's `artifacts`).",
        tags: ['runs'],
        params: RunIdParams,
        querystring: DiffQuery,
        response: {
          200: {
            description: 'The diff (or, with `stat=true`, its files and line counts)',
            content: {
              'text/x-diff': { schema: z.string().describe('`git diff` output') },
              'application/json': { schema: DiffStat },
            },
          },
          ...errorResponses([400, 404, ...AUTHENTICATED], {
            404:
              'No run with this id (`run_not_found`), no step of this name (`step_not_found`), or a run ' +
              '(or step) without a worktree step or without changes (`no_changes`).',
          }),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { step, stat } = request.query;
      if (stat) return reply.type('application/json; charset=utf-8').send(await ctx.runs.diffStat(id, step));
      return reply.type('text/x-diff; charset=utf-8').send(await ctx.runs.diff(id, step));
    },
  );
}
