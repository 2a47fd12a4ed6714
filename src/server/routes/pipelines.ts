import { setImmediate as nextTurn } from 'node:timers/promises';
import { z } from 'zod';
import { Persona, Pipeline, PipelineParams } from '../../api/schemas.js';
import { projectRelative } from '../../config/project-relative.js';
import { WaveError } from '../../errors.js';
import { describePipeline } from '../../pipeline/describe.js';
import { formatDiagnostic } from '../../pipeline/diagnostics.js';
import type { PipelineEntry } from '../../pipeline/load-pipeline.js';
import { didYouMean } from '../../pipeline/suggest.js';
import type { ServerContext } from '../context.js';
import type { App } from '../types.js';

export function registerPipelineRoutes(app: App, ctx: ServerContext): void {
  // Errors name files relative to the project: a client has no business with server paths.
  const relative = projectRelative(ctx.project.paths);
  const summarize = (entry: PipelineEntry) => describePipeline(entry, (d) => formatDiagnostic(relative(d)));
  const describe = async (name: string) => {
    const entry = await ctx.project.loadPipeline(name);
    if (!entry) {
      const hint = didYouMean(name, ctx.project.pipelineNames());
      throw new WaveError('pipeline_not_found', `no pipeline named "${name}"${hint ? ` (${hint})` : ''}`);
    }
    return { entry, summary: summarize(entry) };
  };

  // Each pipeline's summary is validated and serialized once per version of its file: a
  // listing only joins them, so even a 5,000-step pipeline never holds the loop for long.
  const serialized = new WeakMap<PipelineEntry, string>();
  app.get(
    '/api/pipelines',
    { schema: { response: { 200: z.object({ pipelines: z.array(Pipeline) }) } } },
    async (_request, reply) => {
      const parts: string[] = [];
      for (const entry of await ctx.project.loadPipelines()) {
        let json = serialized.get(entry);
        if (json === undefined) {
          await nextTurn();
          json = JSON.stringify(Pipeline.parse(summarize(entry)));
          serialized.set(entry, json);
        }
        parts.push(json);
      }
      return reply
        .type('application/json; charset=utf-8')
        .serializer((payload) => payload as string)
        .send(`{"pipelines":[${parts.join(',')}]}` as never); // already serialized: the schema typing expects the object
    },
  );

  app.get(
    '/api/pipelines/:name',
    { schema: { params: PipelineParams, response: { 200: Pipeline.extend({ source: z.string() }) } } },
    async (request) => {
      const { entry, summary } = await describe(request.params.name);
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
