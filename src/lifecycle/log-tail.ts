import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

const CHUNK = 64 * 1024;

/** The last `n` lines of one file, read backwards in chunks (a log may be large). */
function tailOfFile(file: string, n: number): string[] {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return [];
  }
  try {
    let pos = fstatSync(fd).size;
    let text = '';
    // n lines need n newlines before them (plus the file's own final newline).
    while (pos > 0 && (text.match(/\n/g)?.length ?? 0) <= n) {
      const len = Math.min(CHUNK, pos);
      pos -= len;
      const buf = Buffer.alloc(len);
      readSync(fd, buf, 0, len, pos);
      text = buf.toString('utf8') + text;
    }
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    return lines.slice(-n);
  } finally {
    closeSync(fd);
  }
}

/**
 * The last `n` lines of a log and its rotated files (`files` newest first), so a log that was
 * just rotated still shows what came before.
 */
export function tailLines(files: readonly string[], n: number): string[] {
  const lines: string[] = [];
  for (const file of files) {
    if (lines.length >= n) break;
    lines.unshift(...tailOfFile(file, n - lines.length));
  }
  return lines;
}
