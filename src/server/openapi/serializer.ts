import type { FastifySerializerCompiler } from 'fastify';
import { serializerCompiler } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { ErrorBody } from '../../api/schemas.js';

/**
 * Response bodies are checked against their zod schemas, except the Error shape: every error
 * is built by the one error handler, and re-checking it could only turn a 4xx into a 500 or
 * strip a field of `details`. Declaring errors in the document must not change what is sent.
 */
export const responseSerializerCompiler: FastifySerializerCompiler<z.ZodType> = (route) =>
  route.schema === ErrorBody ? (data) => JSON.stringify(data) : serializerCompiler(route);
