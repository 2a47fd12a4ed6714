import { rmSync } from 'node:fs';
import { readPidFile } from './pid-file.js';
import { isProjectServer } from './process-info.js';
import type { ServerFiles } from './server-files.js';

/**
 * The pid of the project's server named by its PID file, or null. A stale PID file (the pid is
 * gone, or is some other process now) is removed with the URL file, so a start may proceed.
 */
export function runningServer(root: string, files: ServerFiles): number | null {
  const pid = readPidFile(files.pid);
  if (pid !== null && isProjectServer(pid, root)) return pid;
  rmSync(files.pid, { force: true });
  rmSync(files.url, { force: true });
  return null;
}
