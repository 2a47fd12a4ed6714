import { existsSync } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../types.js';

/** dist/web from both src/server/plugins (tests) and dist/server/plugins (the build). */
const DEFAULT_ROOT = fileURLToPath(new URL('../../../dist/web/', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

/**
 * A first path segment other than `api` and `metrics`. A plain `/*` would also catch what the
 * API's router rejects (an unknown /api route, an over-long parameter) and change its answer;
 * with this, those still get the API's own 404 (after authentication) or 400.
 */
const OUTSIDE_API = '^(?!api$|metrics$)[^/]+$';

/** Vite names what it emits under assets/ by content hash: safe to cache forever. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

const MISSING_BUILD = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Wave</title></head>
<body><h1>The web UI is not built</h1>
<p>Run <code>npm run build</code> (it builds the server and the UI into dist/), then reload.
The API works without it, under <code>/api</code>.</p></body></html>
`;

export interface WebUiOptions {
  /** The built UI folder (default: dist/web of this package). */
  root?: string;
}

/**
 * Serves the web UI that `npm run build` puts in dist/web: files as they are, and index.html
 * for every other GET outside /api and /metrics (the UI's routes live in the browser). It needs
 * no credentials: the page itself asks for a token when the API wants one.
 */
export function registerWebUi(app: App, opts: WebUiOptions = {}): void {
  const root = opts.root ?? DEFAULT_ROOT;

  const serve = async (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0]!;
    const file = await resolveFile(root, path);
    if (file) {
      const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
      const cache = path.startsWith('/assets/') ? IMMUTABLE : 'no-cache';
      return reply
        .type(type)
        .header('cache-control', cache)
        .send(await readFile(file));
    }
    // A missing file (an old hashed asset, a typo) is a 404, not the page in its place.
    if (looksLikeFile(path)) return reply.callNotFound();
    const index = join(root, 'index.html');
    if (!existsSync(index)) {
      return reply
        .code(503)
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(MISSING_BUILD);
    }
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send(await readFile(index));
  };

  const options = { config: { scope: 'none' as const }, schema: { hide: true } };
  app.get('/', options, serve);
  app.get(`/:top(${OUTSIDE_API})`, options, serve);
  app.get(`/:top(${OUTSIDE_API})/*`, options, serve);
}

/** Paths the UI never routes: hashed assets and files at the top (favicon.svg, robots.txt). */
function looksLikeFile(path: string): boolean {
  return path.startsWith('/assets/') || /^\/[^/]+\.[A-Za-z0-9]+$/.test(path);
}

/**
 * The file a URL path names inside `root`, or null. Dot segments, backslashes and NUL are
 * refused outright, and the real path must stay inside the real root (no symlink escapes).
 */
async function resolveFile(root: string, urlPath: string): Promise<string | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  const segments = decoded.split('/').filter((s) => s !== '');
  if (segments.length === 0) return null;
  if (segments.some((s) => s === '.' || s === '..' || s.includes('\\') || s.includes('\0'))) return null;
  try {
    const realRoot = await realpath(root);
    const real = await realpath(join(realRoot, ...segments));
    if (!real.startsWith(realRoot + sep)) return null;
    return (await stat(real)).isFile() ? real : null;
  } catch {
    return null;
  }
}
