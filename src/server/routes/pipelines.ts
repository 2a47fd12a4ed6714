import { setImmediate as nextTurn } from 'node:timers/promises';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { Persona, Pipeline, PipelineParams } from '../../api/schemas.js';
import { projectRelative } from '../../config/project-relative.js';
import { WaveError } from '../../errors.js';
import { describePipeline } from '../../pipeline/describe.js';
import { formatDiagnostic } from '../../pipeline/diagnostics.js';
import type { PipelineEntry } from '../../pipeline/load-pipeline.js';
import { didYouMean } from '../../pipeline/suggest.js';
import type { ServerContext } from '../context.js';
import { AUTHENTICATED, errorResponses, json } from '../openapi/responses.js';
import type { App } from '../types.js';

export function registerPipelineRoutes(app: App, ctx: ServerContext): void {
  // Errors name files relative to the project: a client has no business with server paths.
  const relative = projectRelative(ctx.project.paths);
  const summarize = (entry: PipelineEntry) => describePipeline(entry, (d) => formatDiagnostic(relative(d)));
  const find = async (name: string): Promise<PipelineEntry> => {
    const entry = await ctx.project.loadPipeline(name);
    if (!entry) {
      const hint = didYouMean(name, ctx.project.pipelineNames());
      throw new WaveError('pipeline_not_found', `no pipeline named "${name}"${hint ? ` (${hint})` : ''}`);
    }
    return entry;
  };
  // Each pipeline's object is validated and serialized once per version of its file: answers
  // only join them, so even a 5,000-step pipeline never holds the loop for long.
  const serialized = new WeakMap<PipelineEntry, string>();
  const pipelineJson = async (entry: PipelineEntry): Promise<string> => {
    let json = serialized.get(entry);
    if (json === undefined) {
      await nextTurn();
      json = JSON.stringify(Pipeline.parse(summarize(entry)));
      serialized.set(entry, json);
    }
    return json;
  };
  // Already serialized: the schema's typing expects the object.
  const sendJson = (reply: FastifyReply, body: string) =>
    reply
      .type('application/json; charset=utf-8')
      .serializer((payload) => payload as string)
      .send(body as never);

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
    async (_request, reply) => {
      const parts: string[] = [];
      for (const entry of await ctx.project.loadPipelines()) parts.push(await pipelineJson(entry));
      return sendJson(reply, `{"pipelines":[${parts.join(',')}]}`);
    },
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
    async (request, reply) => {
      const entry = await find(request.params.name);
      const json = await pipelineJson(entry);
      // The object with `source` added last, where the schema's extend() puts it.
      return sendJson(reply, `${json.slice(0, -1)},"source":${JSON.stringify(entry.text)}}`);
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
