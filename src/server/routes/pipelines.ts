import { z } from 'zod';
import { Persona, Pipeline, PipelineParams } from '../../api/schemas.js';
import { WaveError } from '../../errors.js';
import { describePipeline } from '../../pipeline/describe.js';
import { formatDiagnostic } from '../../pipeline/diagnostics.js';
import { didYouMean } from '../../pipeline/suggest.js';
import type { ServerContext } from '../context.js';
import { AUTHENTICATED, errorResponses, json } from '../openapi/responses.js';
import type { App } from '../types.js';

export function registerPipelineRoutes(app: App, ctx: ServerContext): void {
  const describe = (name: string) => {
    const entry = ctx.project.pipeline(name);
    if (!entry) {
      const hint = didYouMean(name, ctx.project.pipelineNames());
      throw new WaveError('pipeline_not_found', `no pipeline named "${name}"${hint ? ` (${hint})` : ''}`);
    }
    return { entry, summary: describePipeline(entry, formatDiagnostic) };
  };

  app.get(
    '/api/pipelines',
    {
      schema: {
        operationId: 'listPipelines',
        summary: 'List pipelines',
        tags: ['pipelines'],
        response: {
          200: json(z.object({ pipelines: z.array(Pipeline) }), 'Every pipeline of the project, by name'),
          ...errorResponses(AUTHENTICATED),
        },
      },
    },
    async () => ({
      pipelines: ctx.project.pipelineNames().map((name) => describe(name).summary),
    }),
  );

  app.get(
    '/api/pipelines/:name',
    {
      schema: {
        operationId: 'getPipeline',
        summary: 'Get a pipeline with its YAML source',
        tags: ['pipelines'],
        params: PipelineParams,
        response: {
          200: json(Pipeline.extend({ source: z.string() }), 'The pipeline; `source` is its YAML text'),
          ...errorResponses([400, 404, ...AUTHENTICATED], {
            404: 'No pipeline of this name (`pipeline_not_found`).',
          }),
        },
      },
    },
    async (request) => {
      const { entry, summary } = describe(request.params.name);
      return { ...summary, source: entry.text };
    },
  );

  app.get(
    '/api/personas',
    {
      schema: {
        operationId: 'listPersonas',
        summary: 'List personas',
        tags: ['pipelines'],
        response: {
          200: json(z.object({ personas: z.array(Persona) }), 'Every persona, by name'),
          ...errorResponses(AUTHENTICATED),
        },
      },
    },
    async () => ({
      personas: [...ctx.project.personas.personas.values()]
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((p) => ({
          name: p.name,
          adapter: p.adapter,
          model: p.model ?? ctx.config.adapters[p.adapter]?.default_model ?? null,
          description: p.description,
        })),
    }),
  );
}
