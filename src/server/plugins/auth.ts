import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Scope } from '../../config/manifest-schema.js';
import { WaveError } from '../../errors.js';
import type { RateLimiter } from '../auth/rate-limit.js';

/** What a route needs: one scope, or nothing (health, openapi, webhooks verify themselves). */
export type RouteScope = Scope | 'none';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is asking: the JWT `sub`, the client certificate's CN, or `local` without auth. */
    actor: string | null;
    scopes: ReadonlySet<Scope>;
  }
  interface FastifyContextConfig {
    scope?: RouteScope;
    /** The two SSE routes accept the token as `?access_token=` (EventSource sends no headers). */
    allowQueryToken?: boolean;
    /** A route without credentials that is still rate limited per address (webhooks). */
    rateLimited?: boolean;
  }
}

/** Identifies a request's caller, or throws `unauthorized`. */
export type Authenticator = (
  request: FastifyRequest,
) => Promise<{ actor: string | null; scopes: ReadonlySet<Scope> }>;

export const ALL_SCOPES: ReadonlySet<Scope> = new Set<Scope>([
  'runs:read',
  'runs:write',
  'gates:answer',
  'admin',
]);

/** `auth.mode: none`: everyone is the actor `local` with every scope (loopback only). */
export const noAuth: Authenticator = async () => ({ actor: 'local', scopes: ALL_SCOPES });

/**
 * The one place where authentication plugs in: identifies the caller of every route that needs
 * a scope, then checks the scope (`admin` grants all).
 */
export function installAuth(
  app: FastifyInstance,
  authenticate: Authenticator,
  limiter: RateLimiter | null,
): void {
  app.decorateRequest('actor', null);
  app.decorateRequest('scopes', null as unknown as ReadonlySet<Scope>);
  const limit = (key: string) => {
    const wait = limiter?.hit(key);
    if (wait != null) {
      throw new WaveError('rate_limited', `too many requests: try again in ${wait} s`, {
        retry_after_s: wait,
      });
    }
  };
  app.addHook('onRequest', async (request) => {
    const scope = request.routeOptions.config?.scope ?? 'runs:read';
    if (scope === 'none') {
      // Webhooks are limited per address; health and the OpenAPI document never are.
      if (request.routeOptions.config?.rateLimited) limit(`ip:${request.ip}`);
      return;
    }
    let who: Awaited<ReturnType<Authenticator>>;
    try {
      who = await authenticate(request);
    } catch (err) {
      // Failed attempts count against the address: guessing tokens is rate limited too.
      limit(`ip:${request.ip}`);
      throw err;
    }
    // Per actor; without authentication everyone is "local", so per address instead.
    limit(who.actor && who.actor !== 'local' ? `actor:${who.actor}` : `ip:${request.ip}`);
    request.actor = who.actor;
    request.scopes = who.scopes;
    if (!who.scopes.has('admin') && !who.scopes.has(scope)) {
      throw new WaveError(
        'forbidden',
        `this needs the scope "${scope}", which your credentials do not grant`,
        { required: scope },
      );
    }
  });
}
