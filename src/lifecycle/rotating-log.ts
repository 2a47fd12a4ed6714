import { closeSync, existsSync, fstatSync, openSync, renameSync, writeSync } from 'node:fs';

/**
 * An append-only log file that, once it would pass `maxBytes`, is renamed to `<path>.1` (older
 * ones shift to `.2` … `.<keep>`, the oldest dropped) and started afresh. It cuts only after a
 * newline, so no line is split across two files; a file may pass the limit by one line.
 * Writes are synchronous: the writer is the only job of the process that owns it.
 */
export class RotatingLog {
  private fd: number;
  private size: number;

  constructor(
    readonly path: string,
    readonly maxBytes: number,
    readonly keep: number,
  ) {
    this.fd = openSync(path, 'a');
    this.size = fstatSync(this.fd).size;
  }

  write(chunk: Buffer | string): void {
    let rest = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    while (rest.length > 0) {
      if (this.size + rest.length <= this.maxBytes) {
        this.append(rest);
        return;
      }
      // The line that crosses the limit ends this file: cut at its newline (a burst of many
      // lines in one chunk is spread over as many files as it needs).
      const cut = rest.indexOf(0x0a, Math.max(0, this.maxBytes - this.size - 1));
      if (cut === -1) {
        // The current line goes on: it stays whole in this file.
        this.append(rest);
        return;
      }
      this.append(rest.subarray(0, cut + 1));
      rest = rest.subarray(cut + 1);
      this.rotate();
    }
  }

  close(): void {
    closeSync(this.fd);
  }

  private append(buf: Buffer): void {
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off);
    this.size += buf.length;
  }

  private rotate(): void {
    closeSync(this.fd);
    for (let i = this.keep - 1; i >= 1; i--) {
      if (existsSync(`${this.path}.${i}`)) renameSync(`${this.path}.${i}`, `${this.path}.${i + 1}`);
    }
    if (this.keep > 0) renameSync(this.path, `${this.path}.1`);
    this.fd = openSync(this.path, this.keep > 0 ? 'a' : 'w');
    this.size = 0;
  }
}
