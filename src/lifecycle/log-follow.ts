import { closeSync, fstatSync, openSync, readFileSync, readSync, statSync, watch } from 'node:fs';
import { basename, dirname } from 'node:path';

/**
 * Follows a log file from its current end, like `tail -F`: calls `onData` with what is
 * appended, and when the file is rotated (renamed, a new one started) reads the old one to its
 * end, any files rotated since (more than one rotation between two wake-ups), then the new one
 * from its start. `files` is the log and its rotated files, newest first. Wakes on the folder's
 * change notifications (inotify), so nothing polls. Resolves when `signal` aborts.
 * `from`: where a tail printed just before ended (see logMark); what the server wrote since is
 * followed too, however long this process took to get here.
 */
export function followLog(
  files: readonly string[],
  onData: (chunk: Buffer) => void,
  signal: AbortSignal,
  from: LogMark | null = null,
): Promise<void> {
  const path = files[0]!;
  const name = basename(path);
  let fd: number | null = null;
  let ino = -1;
  let pos = 0;

  const open = (fromEnd: boolean) => {
    try {
      fd = openSync(path, 'r');
    } catch {
      fd = null;
      return;
    }
    const st = fstatSync(fd);
    ino = st.ino;
    if (!fromEnd) pos = 0;
    else if (from === null) pos = st.size;
    // Rotated since the mark: the new file is all unread.
    else pos = from.ino === st.ino ? Math.min(from.size, st.size) : 0;
  };
  const drain = () => {
    if (fd === null) return;
    const buf = Buffer.alloc(64 * 1024);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) break;
      pos += n;
      onData(Buffer.from(buf.subarray(0, n)));
    }
  };
  const check = () => {
    if (fd !== null) {
      // Truncated in place (someone emptied it): start again from its beginning.
      if (fstatSync(fd).size < pos) pos = 0;
      drain();
    }
    let current: number | null;
    try {
      current = statSync(path).ino;
    } catch {
      current = null;
    }
    if (current !== null && current !== ino) {
      if (fd !== null) closeSync(fd);
      for (const missed of rotatedSince(files, ino)) onData(readFileSync(missed));
      open(false);
      drain();
    }
  };

  open(true);
  return new Promise((resolve) => {
    const watcher = watch(dirname(path), (_event, file) => {
      if (file === null || String(file).startsWith(name)) check();
    });
    const finish = () => {
      watcher.close();
      if (fd !== null) closeSync(fd);
      resolve();
    };
    if (signal.aborted) finish();
    else signal.addEventListener('abort', finish, { once: true });
  });
}

export interface LogMark {
  ino: number;
  size: number;
}

/** The log's identity and length now: take it before reading a tail that following continues. */
export function logMark(path: string): LogMark | null {
  try {
    const st = statSync(path);
    return { ino: st.ino, size: st.size };
  } catch {
    return null;
  }
}

/**
 * The rotated files newer than the one with inode `ino` (which was being read), oldest first:
 * those rotated away before the follower woke. None if that file is not among them.
 */
function rotatedSince(files: readonly string[], ino: number): string[] {
  const inodes = files.map((f) => {
    try {
      return statSync(f).ino;
    } catch {
      return null;
    }
  });
  const at = inodes.indexOf(ino);
  return at <= 1 ? [] : files.slice(1, at).reverse();
}
