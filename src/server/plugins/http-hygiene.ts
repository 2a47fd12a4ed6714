import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

/**
 * CORS from the allow-list in server.cors.origins. `*` allows any origin but then never with
 * credentials (browsers forbid it, and it would hand any site the user's session).
 */
export async function registerCors(app: FastifyInstance, origins: readonly string[]): Promise<void> {
  const any = origins.includes('*');
  await app.register(cors, {
    origin: any ? '*' : [...origins],
    credentials: !any,
    methods: ['GET', 'POST', 'OPTIONS'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'Last-Event-ID'],
    exposedHeaders: ['Location', 'Retry-After'],
    maxAge: 600,
  });
}

/** The web UI's pages may only load from this server and never be framed. */
const HTML_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** Standard security headers: nosniff everywhere; on HTML, CSP, no framing, no referrer. */
export function installSecurityHeaders(app: FastifyInstance, tls: boolean): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    const type = String(reply.getHeader('content-type') ?? '');
    if (type.startsWith('text/html')) {
      reply.header('content-security-policy', HTML_POLICY);
      reply.header('x-frame-options', 'DENY');
      reply.header('referrer-policy', 'no-referrer');
      reply.header('cross-origin-opener-policy', 'same-origin');
      if (tls) reply.header('strict-transport-security', 'max-age=31536000');
    }
    return payload;
  });
}
