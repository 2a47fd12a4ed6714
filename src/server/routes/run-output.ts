import { Readable } from 'node:stream';
import { z } from 'zod';
import { ArtifactParams, LogsQuery, RunIdParams } from '../../api/schemas.js';
import type { ServerContext } from '../context.js';
import { AUTHENTICATED, errorResponses } from '../openapi/responses.js';
import type { App } from '../types.js';

const CONTENT_TYPES: Record<string, string> = {
  json: 'application/json; charset=utf-8',
  markdown: 'text/markdown; charset=utf-8',
  text: 'text/plain; charset=utf-8',
  binary: 'application/octet-stream',
};

export function registerRunOutputRoutes(app: App, ctx: ServerContext): void {
  app.get(
    '/api/runs/:id/logs',
    {
      schema: {
        operationId: 'getRunLogs',
        summary: 'Get the output lines of a run',
        tags: ['runs'],
        params: RunIdParams,
        querystring: LogsQuery,
        response: {
          200: {
            description: 'Every output line of the run (or of `step`), in order',
            content: {
              'text/plain': { schema: z.string().describe('`[<step>] <content>` lines (format=text)') },
              'application/x-ndjson': {
                schema: z.string().describe('`{seq, ts, step, stream, content}` JSON lines (format=ndjson)'),
              },
            },
          },
          ...errorResponses([400, 404, ...AUTHENTICATED], {
            404: 'No run with this id (`run_not_found`) or no step of this name (`step_not_found`).',
          }),
        },
      },
    },
    async (request, reply) => {
      const { step, format } = request.query;
      // Streamed a page at a time as the client takes it: never one string of the whole log.
      const chunks = await ctx.runs.logs({ runId: request.params.id, step, format }, ctx.pacer);
      // Typed as the declared 200 body (a string): the stream's bytes are that string.
      const body = Readable.from(chunks, { objectMode: false }) as unknown as string;
      return reply
        .type(format === 'ndjson' ? 'application/x-ndjson; charset=utf-8' : 'text/plain; charset=utf-8')
        .send(body);
    },
  );

  app.get(
    '/api/runs/:id/artifacts/:step/:name',
    {
      schema: {
        operationId: 'getArtifact',
        summary: 'Download an artifact of a step',
        description: 'The media type follows the artifact type: json, markdown, text, or binary.',
        tags: ['runs'],
        params: ArtifactParams,
        response: {
          200: {
            description: 'The file, as an attachment',
            content: {
              'application/json': { schema: z.unknown() },
              'text/markdown': { schema: z.string() },
              'text/plain': { schema: z.string() },
              'application/octet-stream': { schema: z.string().meta({ format: 'binary' }) },
            },
            headers: {
              'Content-Disposition': {
                description: '`attachment; filename="<name>"`',
                type: 'string',
              },
              'X-Content-SHA256': {
                description: 'The SHA-256 of the file, in hex.',
                type: 'string',
              },
            },
          },
          ...errorResponses([400, 404, ...AUTHENTICATED], {
            404:
              'No run with this id (`run_not_found`), no step of this name (`step_not_found`), or no ' +
              'such artifact or its file is gone (`artifact_not_found`).',
          }),
        },
      },
    },
    async (request, reply) => {
      const { id, step, name } = request.params;
      const { artifact, body } = await ctx.runs.openArtifact(id, step, name);
      return reply
        .type(CONTENT_TYPES[artifact.type] ?? CONTENT_TYPES.binary!)
        .header('content-length', String(artifact.size))
        .header('content-disposition', `attachment; filename="${name.replace(/[^A-Za-z0-9._-]/g, '_')}"`)
        .header('x-content-sha256', artifact.sha256)
        .send(body);
    },
  );
}
