import { z } from 'zod';
import { Persona, Pipeline, PipelineParams } from '../../api/schemas.js';
import { WaveError } from '../../errors.js';
import { describePipeline } from '../../pipeline/describe.js';
import { formatDiagnostic } from '../../pipeline/diagnostics.js';
import { didYouMean } from '../../pipeline/suggest.js';
import type { ServerContext } from '../context.js';
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
    { schema: { response: { 200: z.object({ pipelines: z.array(Pipeline) }) } } },
    async () => ({
      pipelines: ctx.project.pipelineNames().map((name) => describe(name).summary),
    }),
  );

  app.get(
    '/api/pipelines/:name',
    { schema: { params: PipelineParams, response: { 200: Pipeline.extend({ source: z.string() }) } } },
    async (request) => {
      const { entry, summary } = describe(request.params.name);
      return { ...summary, source: entry.text };
    },
  );

  app.get(
    '/api/personas',
    { schema: { response: { 200: z.object({ personas: z.array(Persona) }) } } },
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
