import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isLoopback, parseAuthority } from '../../config/bind.js';
import type { Config } from '../../config/config.js';
import { WaveError } from '../../errors.js';

/**
 * A server without authentication can be reached from any web page: through DNS rebinding (a
 * name the attacker controls resolving to 127.0.0.1, so the browser sends `Host: evil.example`)
 * and through cross-site requests (a form or a body-less fetch that needs no preflight). So in
 * `auth.mode: none` only requests for this server's own name are answered, and state-changing
 * requests from another web origin are refused (API.md "Authentication").
 */
export interface HostOriginPolicy {
  /**
   * Whether the Host rule applies. Off on an `--insecure` non-loopback bind without
   * `allowed_hosts`: requests then arrive under whatever name reaches the machine, and the user
   * opted out; with `allowed_hosts` set the rule applies there too.
   */
  checkHost: boolean;
  /** Lower-case `name` (any port) or `name:port` entries of server.allowed_hosts. */
  allowedHosts: readonly string[];
  /** server.cors.origins: these web origins may change state too (`*`: any). */
  corsOrigins: readonly string[];
  tls: boolean;
}

/** The policy for a configuration, or null when requests are authenticated (no rule needed). */
export function hostOriginPolicy(config: Config): HostOriginPolicy | null {
  const server = config.server;
  if (!server.auth.modes.includes('none')) return null;
  return {
    checkHost: isLoopback(server.host) || server.allowed_hosts.length > 0,
    allowedHosts: server.allowed_hosts,
    corsOrigins: server.cors.origins,
    tls: server.tls.enabled,
  };
}

/** Methods that only read: every other one may change state. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Whether `hostname` with `port` is this server: a loopback name or address on the port the
 * request arrived at (null when unknown: an injected request), or an allowed_hosts entry.
 */
export function isOwnHost(
  policy: HostOriginPolicy,
  hostname: string,
  port: number,
  boundPort: number | null,
): boolean {
  if (isLoopback(hostname) && (boundPort === null || port === boundPort)) return true;
  return policy.allowedHosts.some((entry) => {
    const allowed = parseAuthority(entry);
    return allowed?.hostname === hostname && (allowed.port === null || allowed.port === port);
  });
}

/** True when the Host header names something else than this server (or is missing, malformed). */
function isForeignHost(
  policy: HostOriginPolicy,
  host: string | undefined,
  boundPort: number | null,
): boolean {
  const authority = host === undefined ? null : parseAuthority(host);
  if (!authority) return true;
  const port = authority.port ?? (policy.tls ? 443 : 80);
  return !isOwnHost(policy, authority.hostname, port, boundPort);
}

/**
 * Whether a web origin may change state: one of server.cors.origins, the origin the request was
 * addressed to (its Host), or any origin that names this server.
 */
function originAllowed(
  policy: HostOriginPolicy,
  origin: string,
  host: string | undefined,
  boundPort: number | null,
): boolean {
  if (policy.corsOrigins.includes('*') || policy.corsOrigins.includes(origin)) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    // `null` (sandboxed frames, file: pages) and anything unparsable is another site.
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  if (host !== undefined && url.host === host.toLowerCase()) return true;
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  return isOwnHost(policy, url.hostname.toLowerCase(), port, boundPort);
}

/** The port the request arrived at: the real one, also when the server was bound to port 0. */
function boundPortOf(request: FastifyRequest): number | null {
  const port = request.raw.socket?.localPort;
  return typeof port === 'number' && port > 0 ? port : null;
}

/** Installs the Host and Origin rule as the first check of every request (every route, 404s). */
export function installHostOriginCheck(app: FastifyInstance, policy: HostOriginPolicy): void {
  app.addHook('onRequest', async (request) => {
    const host = request.headers.host;
    const boundPort = boundPortOf(request);
    if (policy.checkHost && isForeignHost(policy, host, boundPort)) {
      throw new WaveError(
        'forbidden_host',
        `this server has no authentication and answers only requests addressed to it by a loopback name (localhost, 127.0.0.1, [::1]) with its port, or by a name in server.allowed_hosts; Host "${host ?? ''}" is none of them`,
        { host: host ?? null },
      );
    }
    const origin = request.headers.origin;
    if (origin !== undefined && !SAFE_METHODS.has(request.method)) {
      if (!originAllowed(policy, origin, host, boundPort)) {
        throw new WaveError(
          'forbidden_origin',
          `this server has no authentication: a ${request.method} from the web page at "${origin}" is refused (only the server's own pages, or origins in server.cors.origins, may change state)`,
          { origin },
        );
      }
    }
  });
}
