import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';

/** The pid in a PID file, or null when there is none or it holds no pid. */
export function readPidFile(file: string): number | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/** Writes a file whole or not at all (a reader never sees half a pid or URL). */
export function writeFileAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** Removes `file` only if it still names `pid`, so a newer server's PID file is left alone. */
export function removePidFileOf(file: string, pid: number, companions: readonly string[] = []): void {
  if (readPidFile(file) !== pid) return;
  for (const f of companions) rmSync(f, { force: true });
  rmSync(file, { force: true });
}
