import { createServer, type Server, Socket } from 'node:net';
import { afterEach } from 'vitest';
import { type RunningWave, startWave } from '../helpers/cli.js';
import { trackServer } from '../helpers/open-servers.js';

const servers: RunningWave[] = [];
const proxies: Server[] = [];

afterEach(async () => {
  for (const s of servers.splice(0))
    if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
  for (const p of proxies.splice(0)) await new Promise((r) => p.close(r));
});

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** A spawned `wave serve` on a free port; killed after the test. */
export async function spawnServer(
  cwd: string,
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<{ url: string; port: number; proc: RunningWave }> {
  const port = await freePort();
  const proc = startWave(['serve', '--port', String(port), ...args], { cwd, env });
  servers.push(proc);
  await proc.waitFor(/wave serve listening/);
  return { url: `http://127.0.0.1:${port}`, port, proc };
}

/**
 * A TCP proxy in front of a server that can cut every open connection on demand: the client
 * sees its SSE stream drop mid-run and must reconnect.
 */
export async function cuttingProxy(
  targetPort: number,
): Promise<{ url: string; cutAll(): void; connections(): number }> {
  const sockets = new Set<Socket>();
  let total = 0;
  const proxy = createServer((client) => {
    total++;
    const upstream = new Socket();
    upstream.connect(targetPort, '127.0.0.1');
    client.pipe(upstream).pipe(client);
    sockets.add(client);
    sockets.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  proxies.push(proxy);
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const port = (proxy.address() as { port: number }).port;
  const untrack = trackServer(
    `cuttingProxy on port ${port}`,
    () => new Promise((r) => proxy.close(() => r())),
  );
  proxy.on('close', untrack);
  return {
    url: `http://127.0.0.1:${port}`,
    cutAll: () => {
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    connections: () => total,
  };
}

/** Run ids and durations differ between two runs of the same pipeline; nothing else may. */
export function normalize(text: string): string {
  return text
    .replace(/\b[\w-]+-\d{8}-\d{6}-[0-9a-f]{10}\b/g, '<run>')
    .replace(/\b\d+(\.\d+)?(ms|s)\b/g, '<t>')
    .replace(/\b\d+m\d*s?\b/g, '<t>');
}
