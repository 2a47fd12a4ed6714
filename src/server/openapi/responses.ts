import { z } from 'zod';
import { ErrorBody } from '../../api/schemas.js';

/**
 * Response declarations for route schemas. Fastify picks a response's serializer by status and
 * media type; @fastify/swagger documents the same declarations. `headers` is documentation only
 * (see document.ts).
 */

/** A response header: its JSON schema with a description (what @fastify/swagger expects). */
export interface HeaderDoc {
  description: string;
  type: 'string' | 'integer';
}

/** One documented response: a description and a schema per media type. */
export interface ResponseDoc<C extends Record<string, { schema: z.ZodType }>> {
  description: string;
  content: C;
  headers?: Record<string, HeaderDoc>;
}

/** A JSON response (`application/json; charset=utf-8`, what every route sends). */
export function json<S extends z.ZodType>(
  schema: S,
  description: string,
  headers?: Record<string, HeaderDoc>,
): ResponseDoc<{ 'application/json': { schema: S } }> {
  return { description, content: { 'application/json': { schema } }, ...(headers ? { headers } : {}) };
}

/** The two SSE routes: the stream itself is text; its events are the catalogue's objects. */
export const eventStream = {
  description:
    'A Server-Sent Events stream: per event `id: <seq>`, `event: <type>`, `data: <the event as JSON>`; ' +
    '`: ping` comments every 15 s. Resume with `Last-Event-ID`.',
  content: { 'text/event-stream': { schema: z.string() } },
} satisfies ResponseDoc<Record<string, { schema: z.ZodType }>>;

/** The statuses an operation can answer with the Error shape (API.md "Errors"). */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 503;

const ERROR_DESCRIPTIONS: Record<ErrorStatus, string> = {
  400:
    'Malformed JSON, or a body, query, header or path parameter that fails its schema ' +
    '(`invalid_request`; `details.issues` lists each with its path), or a value the route refuses ' +
    '(`invalid_input`, `input_required`, `invalid_choice`, `invalid_pipeline`).',
  401: 'Missing, malformed, expired or forged credentials (`unauthorized`).',
  403:
    'Credentials without the scope this needs (`forbidden`); without authentication, a `Host` that is ' +
    'not the server (`forbidden_host`) or a state-changing request from a foreign `Origin` (`forbidden_origin`).',
  404: 'Not found (`run_not_found`, `step_not_found`, `pipeline_not_found`, `artifact_not_found`, `no_changes`).',
  409: 'Conflicts with the current state (`run_finished`, `gate_not_waiting`, `pipeline_disabled`).',
  413: 'The body is larger than `server.body_limit` (`payload_too_large`).',
  415: 'The body is not JSON, or is sent with a `Content-Encoding` (`unsupported_media_type`).',
  422: 'The `Idempotency-Key` was used before with a different body (`idempotency_key_reused`).',
  429: 'Over the rate limit (`rate_limited`); retry after `Retry-After` seconds.',
  503: 'The server is shutting down (`shutting_down`) or its store is unavailable (`store_unavailable`).',
};

const ERROR_HEADERS: Partial<Record<ErrorStatus, Record<string, HeaderDoc>>> = {
  401: { 'WWW-Authenticate': { description: 'Always `Bearer`.', type: 'string' } },
  429: { 'Retry-After': { description: 'Seconds until the limit resets.', type: 'integer' } },
};

/** What every route behind authentication can answer before it runs. */
export const AUTHENTICATED = [401, 403, 429, 503] as const satisfies readonly ErrorStatus[];
/** What every route without credentials (health) can still answer. */
export const PUBLIC = [403, 503] as const satisfies readonly ErrorStatus[];
/** What a JSON body can be refused with before the route runs. */
export const JSON_BODY = [400, 413, 415] as const satisfies readonly ErrorStatus[];

type ErrorResponse = ResponseDoc<{ 'application/json': { schema: typeof ErrorBody } }>;

/**
 * The Error responses of one operation, from the statuses it can answer; `descriptions` says
 * what a status means for this operation where the general text would be vague.
 */
export function errorResponses<S extends ErrorStatus>(
  statuses: readonly S[],
  descriptions: Partial<Record<S, string>> = {},
): Record<S, ErrorResponse> {
  const out = {} as Record<S, ErrorResponse>;
  for (const status of [...new Set(statuses)].sort((a, b) => a - b)) {
    const headers = ERROR_HEADERS[status];
    out[status] = {
      description: descriptions[status] ?? ERROR_DESCRIPTIONS[status],
      content: { 'application/json': { schema: ErrorBody } },
      ...(headers ? { headers } : {}),
    };
  }
  return out;
}
