import { Insights, InsightsQuery, Retrospective } from '../../api/insights-schemas.js';
import { RunIdParams } from '../../api/schemas.js';
import type { ServerContext } from '../context.js';
import { AUTHENTICATED, errorResponses, json } from '../openapi/responses.js';
import type { App } from '../types.js';

/** API.md "Insights and retrospectives". */
export function registerInsightsRoutes(app: App, ctx: ServerContext): void {
  app.get(
    '/api/insights',
    {
      config: { scope: 'runs:read' },
      schema: {
        operationId: 'getInsights',
        summary:
          'Per-pipeline figures and a daily series over the runs created in a window (default 30 days)',
        tags: ['insights'],
        querystring: InsightsQuery,
        response: {
          200: json(Insights, 'Insights'),
          ...errorResponses([400, ...AUTHENTICATED]),
        },
      },
    },
    async (request) => ctx.insights.insights(request.query),
  );

  app.get(
    '/api/runs/:id/retrospective',
    {
      config: { scope: 'runs:read' },
      schema: {
        operationId: 'getRetrospective',
        summary: "A finished run's retrospective, computed from its events",
        tags: ['insights'],
        params: RunIdParams,
        response: {
          200: json(Retrospective, 'The retrospective'),
          ...errorResponses([400, 404, 409, ...AUTHENTICATED], {
            404: 'No run with this id (`run_not_found`).',
            409: 'The run has not finished (`run_not_finished`).',
          }),
        },
      },
    },
    async (request) => ctx.insights.retrospective(request.params.id),
  );
}
