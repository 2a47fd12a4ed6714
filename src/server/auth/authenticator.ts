import type { TLSSocket } from 'node:tls';
import type { FastifyRequest } from 'fastify';
import type { Config } from '../../config/config.js';
import type { Scope } from '../../config/manifest-schema.js';
import { WaveError } from '../../errors.js';
import { ALL_SCOPES, type Authenticator, noAuth } from '../plugins/auth.js';
import { type JwtSettings, jwtSettings, verifyToken } from './jwt.js';

/** The bearer token of a request: the Authorization header, or `?access_token=` where allowed. */
function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const m = /^Bearer\s+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(header);
    if (!m) throw new WaveError('unauthorized', 'the Authorization header must be "Bearer <token>"');
    return m[1]!;
  }
  // EventSource cannot send headers, so only the two SSE routes take the token in the query.
  if (request.routeOptions.config?.allowQueryToken) {
    const q = request.query as { access_token?: unknown } | undefined;
    if (typeof q?.access_token === 'string' && q.access_token !== '') return q.access_token;
  }
  return null;
}

/** The client certificate's CN, if the TLS layer verified one against the configured CA. */
function certificateActor(request: FastifyRequest): string | null {
  const socket = request.raw.socket as TLSSocket;
  if (typeof socket.getPeerCertificate !== 'function' || !socket.authorized) return null;
  const cert = socket.getPeerCertificate();
  // Node returns {} when the client sent no certificate: that is "none", not an identity.
  if (!cert || Object.keys(cert).length === 0) return null;
  const cn = cert.subject?.CN;
  const name = Array.isArray(cn) ? cn[0] : cn;
  return typeof name === 'string' && name !== '' ? name : null;
}

/**
 * The authenticator for `server.auth.mode`: jwt, mtls, or a list where the first method that
 * succeeds wins. Built once at start; a configuration that cannot work throws here, so the
 * server refuses to start and says why.
 */
export function createAuthenticator(config: Config): Authenticator {
  const modes = config.server.auth.modes;
  if (modes.includes('none')) {
    if (modes.length > 1)
      throw new WaveError('invalid_config', 'server.auth.mode "none" cannot be combined with other modes');
    return noAuth;
  }
  const jwt: JwtSettings | null = modes.includes('jwt') ? jwtSettings(config) : null;
  if (modes.includes('mtls') && !(config.server.tls.enabled && config.server.tls.ca)) {
    throw new WaveError(
      'invalid_config',
      'auth mode mtls needs server.tls enabled with cert, key and ca (the CA that signs client certificates)',
    );
  }
  const mtlsScopes: ReadonlySet<Scope> = new Set(
    config.server.auth.mtls_scopes.length ? config.server.auth.mtls_scopes : ALL_SCOPES,
  );

  return async (request) => {
    let failure: WaveError | null = null;
    for (const mode of modes) {
      if (mode === 'mtls') {
        const actor = certificateActor(request);
        if (actor) return { actor, scopes: mtlsScopes };
        failure ??= new WaveError(
          'unauthorized',
          'a client certificate signed by the configured CA is required',
        );
      } else if (mode === 'jwt' && jwt) {
        try {
          const token = bearerToken(request);
          if (token === null) {
            failure = new WaveError(
              'unauthorized',
              'send a bearer token: Authorization: Bearer <token> (wave token create mints one)',
            );
            continue;
          }
          return await verifyToken(token, jwt);
        } catch (err) {
          failure = err instanceof WaveError ? err : new WaveError('unauthorized', 'invalid token');
        }
      }
    }
    throw failure ?? new WaveError('unauthorized', 'authentication required');
  };
}
