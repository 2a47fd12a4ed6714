import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { WaveError } from '../errors.js';
import { ValidationError } from '../pipeline/diagnostics.js';
import { isConnectionLost, storeUnavailable } from '../store/connection-lost.js';
import { statusForCode } from './error-map.js';

interface ErrorPayload {
  code: string;
  message: string;
  details: Record<string, unknown>;
}

/** Sends the API's one error shape. */
export function sendError(reply: FastifyReply, status: number, error: ErrorPayload): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send({ error: error });
}

interface ValidationIssue {
  instancePath?: string;
  message?: string;
  params?: { issue?: { path?: (string | number)[] } };
}

/** Fastify's own errors (parsing, limits, validation) mapped to the documented codes. */
function fromFastify(err: FastifyError): { status: number; payload: ErrorPayload } | null {
  if (err.validation) {
    const where = err.validationContext ?? 'request';
    const issues = (err.validation as ValidationIssue[]).map((v) => {
      const path = v.instancePath ? v.instancePath.replace(/^\//, '').replaceAll('/', '.') : '';
      return { path: path ? `${where}.${path}` : where, message: v.message ?? 'is invalid' };
    });
    const summary = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
    return {
      status: 400,
      payload: { code: 'invalid_request', message: `invalid ${where}: ${summary}`, details: { issues } },
    };
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        status: 413,
        payload: {
          code: 'payload_too_large',
          message: 'the request body is larger than the server accepts (server.body_limit)',
          details: {},
        },
      };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        status: 415,
        payload: {
          code: 'unsupported_media_type',
          message: 'send the body as application/json',
          details: {},
        },
      };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return {
        status: 400,
        payload: { code: 'invalid_request', message: 'the JSON body is empty', details: {} },
      };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return {
        status: 400,
        payload: { code: 'invalid_request', message: `malformed request body: ${err.message}`, details: {} },
      };
    default:
      break;
  }
  if (err instanceof SyntaxError || (err.statusCode === 400 && /JSON/i.test(err.message))) {
    return {
      status: 400,
      payload: { code: 'invalid_request', message: `malformed JSON: ${err.message}`, details: {} },
    };
  }
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    return {
      status: err.statusCode,
      payload: {
        code: err.statusCode === 404 ? 'not_found' : 'invalid_request',
        message: err.message,
        details: {},
      },
    };
  }
  return null;
}

/**
 * Errors Fastify's router answers before any route or hook runs (a URL that is not valid
 * percent-encoding, a path parameter over `maxParamLength`): the same shape as every other.
 */
export function frameworkErrorHandler(
  err: FastifyError,
  _request: FastifyRequest,
  reply: FastifyReply,
): void {
  const message =
    err.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? 'a path parameter is too long'
      : 'the URL is not valid: check its percent-encoding (%XX with two hex digits, UTF-8)';
  sendError(reply, statusForCode('invalid_request'), { code: 'invalid_request', message, details: {} });
}

/**
 * Requests Node's HTTP parser rejects (headers too large, malformed HTTP, a client too slow
 * to send its headers) never reach Fastify's routing: they are answered on the socket, in the
 * same shape.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const code =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? 'headers_too_large'
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? 'request_timeout'
        : 'invalid_request';
  const message =
    code === 'headers_too_large'
      ? 'the request line and headers are larger than the server accepts'
      : code === 'request_timeout'
        ? 'the request was not received in time'
        : 'the request is not valid HTTP';
  const status = statusForCode(code);
  const body = JSON.stringify({ error: { code, message, details: {} } });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nConnection: close\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/**
 * Every error of every route and plugin gets the same shape; a 5xx other than 503 is logged
 * with the request and never shows a stack to the client.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((thrown: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    // The database away (a dropped connection, not a bug): 503, the client may try again.
    const err =
      !(thrown instanceof WaveError) && isConnectionLost(thrown) ? storeUnavailable(thrown) : thrown;
    if (err instanceof ValidationError) {
      return sendError(reply, 400, { code: err.code, message: err.message, details: err.details });
    }
    if (err instanceof WaveError) {
      const status = statusForCode(err.code);
      if (status >= 500 && status !== 503) request.log.error({ err }, 'request failed');
      if (err.code === 'rate_limited' && typeof err.details.retry_after_s === 'number')
        reply.header('Retry-After', String(err.details.retry_after_s));
      if (err.code === 'unauthorized') reply.header('WWW-Authenticate', 'Bearer');
      return sendError(reply, status, { code: err.code, message: err.message, details: err.details });
    }
    const mapped = fromFastify(err);
    if (mapped) return sendError(reply, mapped.status, mapped.payload);
    request.log.error({ err }, 'unexpected error');
    return sendError(reply, 500, {
      code: 'internal_error',
      message: 'an unexpected error occurred; see the server log',
      details: {},
    });
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0];
    return sendError(reply, 404, {
      code: 'not_found',
      message: `no route ${request.method} ${path}`,
      details: {},
    });
  });
}
