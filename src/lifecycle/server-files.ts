import { join } from 'node:path';

/** Where `wave server …` keeps its files for a project (CLI.md): under `<root>/.wave/`. */
export interface ServerFiles {
  dir: string;
  /** The pid of the project's `wave serve`. */
  pid: string;
  /** The URL the server listens on, written by the server once it listens. */
  url: string;
  /** Held by a `wave server start` while it starts the server. */
  startLock: string;
  /** Its output; rotated files are `server.log.1` (newest) … `server.log.<keep>`. */
  log: string;
}

export function serverFiles(root: string): ServerFiles {
  const dir = join(root, '.wave');
  return {
    dir,
    pid: join(dir, 'server.pid'),
    url: join(dir, 'server.url'),
    startLock: join(dir, 'server.start.lock'),
    log: join(dir, 'server.log'),
  };
}

/** The log's size limit and how many rotated files are kept (CLI.md: 10 MB, 5 kept). */
export const LOG_ROTATION = { maxBytes: 10 * 1024 * 1024, keep: 5 } as const;

/** The log and its rotated files, newest first. */
export function logFiles(log: string, keep: number = LOG_ROTATION.keep): string[] {
  return [log, ...Array.from({ length: keep }, (_, i) => `${log}.${i + 1}`)];
}
