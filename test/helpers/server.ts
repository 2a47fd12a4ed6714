import { request as httpRequest } from 'node:http';
import { afterEach } from 'vitest';
import { executesRuns } from '../../src/config/config.js';
import { loadProject } from '../../src/config/load-project.js';
import type { ConfigFlags } from '../../src/config/parse-config.js';
import { type Logger, silentLogger } from '../../src/logger.js';
import { buildApp } from '../../src/server/app.js';
import type { ServerContext } from '../../src/server/context.js';
import { createServerContext, type ServerContextOptions } from '../../src/server/create-context.js';
import { httpsOptions } from '../../src/server/tls.js';
import type { App } from '../../src/server/types.js';
import { trackServer } from './open-servers.js';
import { tempProject } from './tmp.js';

export interface TestServer {
  url: string;
  port: number;
  app: App;
  ctx: ServerContext;
  root: string;
  /** Stops as `wave serve` does on SIGTERM (halts runs, closes streams), idempotent. */
  close(): Promise<void>;
}

const servers: TestServer[] = [];

afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

/**
 * A real server on port 0 over a temp project: real SQLite file, real scheduler, real engine.
 * `files` are written into the project; flags act as `wave serve` flags (mock, maxConcurrent…).
 */
export async function startTestServer(
  files: Record<string, string> = {},
  opts: {
    flags?: ConfigFlags;
    env?: Record<string, string>;
    context?: ServerContextOptions;
    root?: string;
    /** A pino logger (the log-scan test captures what is written). */
    logger?: Logger;
  } = {},
): Promise<TestServer> {
  const root = opts.root ?? tempProject(files);
  const project = loadProject({ cwd: root, env: { ...opts.env }, flags: { port: 0, ...opts.flags } });
  const ctx = await createServerContext(project, opts.logger ?? silentLogger, opts.context);
  const https = httpsOptions(project.config, (p) => project.runtimePath(p));
  const app = await buildApp(ctx, {
    https,
    ...(opts.logger ? { loggerInstance: opts.logger as never } : {}),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  // As `wave serve` does: an api instance never executes runs.
  if (executesRuns(project.config.server.role)) await ctx.scheduler.start();
  let closed = false;
  // Closed by the afterEach above; the leak check names it if anything skipped that.
  const untrack = trackServer(`startTestServer on port ${port} (${root})`, () => server.close());
  const server: TestServer = {
    url: `${https ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    app,
    ctx,
    root,
    async close() {
      if (closed) return;
      closed = true;
      untrack();
      ctx.lifecycle.shuttingDown = true;
      ctx.sse.closeAll();
      await ctx.scheduler.stop();
      ctx.supervisor.haltAll();
      await ctx.scheduler.drain();
      await app.close();
      await ctx.close();
    },
  };
  servers.push(server);
  return server;
}

/** JSON over real HTTP. */
export async function api<T = unknown>(
  server: { url: string },
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON (logs, metrics)
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

export interface SseEvent {
  id: string | null;
  event: string | null;
  data: string;
}

export interface SseConnection {
  events: SseEvent[];
  comments: string[];
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Resolves when the server ends the stream (or the connection closes). */
  ended: Promise<void>;
  /** Resolves once `n` events have arrived. */
  waitForEvents(n: number, timeoutMs?: number): Promise<SseEvent[]>;
  close(): void;
  /** Stop reading (a stalled client): the socket is paused, the server's buffer fills. */
  pause(): void;
  /** Read again: whatever the server managed to send before it gave up arrives. */
  resume(): void;
  /** True once the server ended the stream normally (its last byte arrived). */
  complete(): boolean;
}

/** A minimal SSE client over node:http that records frames and comments exactly as sent. */
export function openSse(
  server: { url: string },
  path: string,
  headers: Record<string, string> = {},
): Promise<SseConnection> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${server.url}${path}`,
      { headers: { accept: 'text/event-stream', ...headers } },
      (res) => {
        let complete = false;
        const conn: SseConnection = {
          events: [],
          comments: [],
          status: res.statusCode ?? 0,
          headers: res.headers,
          ended: new Promise<void>((done) => {
            res.on('end', () => {
              complete = true;
              done();
            });
            res.on('close', done);
            res.on('error', () => done());
          }),
          complete: () => complete,
          resume: () => res.resume(),
          waitForEvents(n, timeoutMs = 15_000) {
            return new Promise((ok, fail) => {
              const deadline = setTimeout(
                () => fail(new Error(`only ${conn.events.length} of ${n} SSE events arrived`)),
                timeoutMs,
              );
              const check = () => {
                if (conn.events.length >= n) {
                  clearTimeout(deadline);
                  ok(conn.events.slice(0, n));
                } else setTimeout(check, 10);
              };
              check();
            });
          },
          close: () => req.destroy(),
          pause: () => res.pause(),
        };
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          for (let i = buffer.indexOf('\n\n'); i !== -1; i = buffer.indexOf('\n\n')) {
            const block = buffer.slice(0, i);
            buffer = buffer.slice(i + 2);
            let id: string | null = null;
            let event: string | null = null;
            const data: string[] = [];
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) conn.comments.push(line);
              else if (line.startsWith('id: ')) id = line.slice(4);
              else if (line.startsWith('event: ')) event = line.slice(7);
              else if (line.startsWith('data: ')) data.push(line.slice(6));
            }
            if (id !== null || event !== null || data.length)
              conn.events.push({ id, event, data: data.join('\n') });
          }
        });
        resolve(conn);
      },
    );
    req.on('error', reject);
    req.end();
  });
}
