import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  /** Where clients connect instead of the target. */
  port: number;
  /** The database "goes away": open connections are dropped, new ones refused at once. */
  cut(): void;
  /** It comes back: new connections reach the target again. */
  restore(): void;
  /** Connections turned away while cut (clients trying again). */
  refused(): number;
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of a server (the throwaway PostgreSQL cluster), to take it away and bring
 * it back from a test without touching the cluster other test files share.
 */
export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let up = true;
  let refused = 0;
  const server: Server = createServer((client) => {
    if (!up) {
      refused++;
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, targetHost);
    open.add(client);
    open.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    port,
    cut() {
      up = false;
      for (const socket of [...open]) socket.destroy();
      open.clear();
    },
    restore() {
      up = true;
    },
    refused: () => refused,
    async close() {
      up = false;
      for (const socket of [...open]) socket.destroy();
      open.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** `url` with its host and port replaced by the proxy's. */
export function viaProxy(url: string, proxy: TcpProxy): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(proxy.port);
  return u.toString();
}
