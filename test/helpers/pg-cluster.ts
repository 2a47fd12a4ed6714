import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The superuser's password in every throwaway cluster (the tests' own, never a real one). */
export const PG_PASSWORD = 'wave-test-secret';

export interface PgCluster {
  /** A URL for the `postgres` superuser on the maintenance database. */
  adminUrl: string;
  port: number;
  socketDir: string;
  stop(): Promise<void>;
}

/**
 * Where Debian keeps PostgreSQL's server programs: they are not on PATH (only wrappers are), so
 * the newest /usr/lib/postgresql/<major>/bin wins, else whatever initdb PATH has.
 */
export function postgresBinDir(): string | null {
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const majors = readdirSync(base)
      .filter((v) => existsSync(join(base, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (majors[0]) return join(base, majors[0], 'bin');
  }
  try {
    const found = execFileSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' }).trim();
    return found ? join(found, '..') : null;
  } catch {
    return null;
  }
}

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** initdb and postgres refuse to run as root: as root they run as Debian's `postgres` user. */
function asOwner(program: string, args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [program, args];
  return ['runuser', ['-u', 'postgres', '--', program, ...args]];
}

async function waitReady(bin: string, port: number, socketDir: string, server: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (server.exitCode !== null)
      throw new Error(`postgres exited with code ${server.exitCode} while starting`);
    try {
      execFileSync(join(bin, 'pg_isready'), ['-q', '-h', socketDir, '-p', String(port)], { stdio: 'ignore' });
      return;
    } catch {
      if (Date.now() > deadline) throw new Error('postgres did not become ready within 60 s');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * A throwaway PostgreSQL cluster: initdb into a temp folder, listening on a free port on
 * 127.0.0.1 and on a unix socket in that folder. Password auth over TCP (so a wrong password
 * is a real failure); trust on the socket. Tuned for tests (no fsync).
 */
export async function startPgCluster(): Promise<PgCluster> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL is not installed (initdb not found): run `sudo .ci/system-deps`');
  const dir = mkdtempSync(join(tmpdir(), 'wave-pg-'));
  chmodSync(dir, 0o777);
  const data = join(dir, 'data');
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, `${PG_PASSWORD}\n`, { mode: 0o644 });
  const [initProgram, initArgs] = asOwner(join(bin, 'initdb'), [
    '-D',
    data,
    '-U',
    'postgres',
    '--pwfile',
    pwfile,
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    '-E',
    'UTF8',
    '--no-locale',
    '--no-sync',
  ]);
  execFileSync(initProgram, initArgs, { stdio: 'ignore', cwd: dir });
  const port = await freePort();
  const [program, args] = asOwner(join(bin, 'postgres'), [
    '-D',
    data,
    '-p',
    String(port),
    '-k',
    dir,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'fsync=off',
    '-c',
    'synchronous_commit=off',
    '-c',
    'full_page_writes=off',
    '-c',
    'max_connections=300',
    '-c',
    'shared_buffers=64MB',
  ]);
  const server = spawn(program, args, { stdio: 'ignore', cwd: dir, detached: true });
  server.unref();
  try {
    await waitReady(bin, port, dir, server);
  } catch (err) {
    try {
      if (server.pid) process.kill(-server.pid, 'SIGKILL');
    } catch {}
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    adminUrl: `postgres://postgres:${PG_PASSWORD}@127.0.0.1:${port}/postgres`,
    port,
    socketDir: dir,
    async stop() {
      const exited = new Promise<void>((resolve) => {
        if (server.exitCode !== null || server.signalCode !== null) resolve();
        else server.once('exit', () => resolve());
      });
      // SIGQUIT: immediate shutdown; the data is thrown away anyway.
      try {
        if (server.pid) process.kill(-server.pid, 'SIGQUIT');
      } catch {}
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
