import { linkSync, rmSync, writeFileSync } from 'node:fs';
import { readPidFile, removePidFileOf } from './pid-file.js';
import { isRunning } from './process-info.js';

const POLL_MS = 100;

/**
 * Runs `fn` holding the project's start lock, so two `wave server start`s at once do not both
 * spawn a server: the second waits for the first, then finds its server running. The lock is a
 * file naming its holder's pid, made whole by a hard link (which fails if the lock exists) so it
 * is never seen half written; a lock whose holder is gone is taken over.
 */
export async function withStartLock<T>(file: string, waitMs: number, fn: () => Promise<T>): Promise<T> {
  const tmp = `${file}.${process.pid}`;
  writeFileSync(tmp, `${process.pid}\n`);
  try {
    const deadline = Date.now() + waitMs;
    for (;;) {
      try {
        linkSync(tmp, file);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = readPidFile(file);
      if (holder === null || !isRunning(holder)) {
        if (holder !== null) removePidFileOf(file, holder);
        else rmSync(file, { force: true });
        continue;
      }
      if (Date.now() >= deadline)
        throw new Error(`another wave server start (pid ${holder}) is still running: ${file}`);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  } finally {
    rmSync(tmp, { force: true });
  }
  try {
    return await fn();
  } finally {
    removePidFileOf(file, process.pid);
  }
}
