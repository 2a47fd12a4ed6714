import { StringDecoder } from 'node:string_decoder';

/** Longest `content` of one stream_activity event; longer lines are split, never dropped. */
export const MAX_LINE_CHARS = 64 * 1024;

/**
 * Splits a byte stream into lines (\n, \r\n, lone \r) without ever holding more than one
 * chunk of a huge line: lines over MAX_LINE_CHARS come out in pieces. Invalid UTF-8 becomes
 * U+FFFD and NUL bytes are dropped, so binary garbage still yields storable text.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  /** The last chunk ended with \r, so a leading \n in the next one completes a \r\n. */
  private afterCr = false;

  constructor(
    private readonly emit: (line: string) => void,
    private readonly maxChars = MAX_LINE_CHARS,
  ) {}

  push(chunk: Buffer | string): void {
    const text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    this.consume(text);
  }

  /** Emits whatever is left (a last line without a newline). */
  end(): void {
    this.consume(this.decoder.end());
    if (this.pending.length) this.emitLine(this.pending);
    this.pending = '';
  }

  private consume(text: string): void {
    if (!text) return;
    // The \n of a \r\n whose \r ended the previous chunk: that break was emitted already.
    const skipLf = this.afterCr && text.charCodeAt(0) === 10;
    this.afterCr = text.charCodeAt(text.length - 1) === 13;
    let buf = this.pending + (skipLf ? text.slice(1) : text);
    let start = 0;
    // `pending` never holds a break, so only the new text needs scanning.
    for (let i = this.pending.length; i < buf.length; i++) {
      const c = buf.charCodeAt(i);
      if (c === 10 || c === 13) {
        this.emitLine(buf.slice(start, i));
        if (c === 13 && buf.charCodeAt(i + 1) === 10) i++;
        start = i + 1;
      }
    }
    buf = buf.slice(start);
    while (buf.length > this.maxChars) {
      const cut = this.cutAt(buf);
      this.emitLine(buf.slice(0, cut));
      buf = buf.slice(cut);
    }
    this.pending = buf;
  }

  private emitLine(line: string): void {
    let rest = line.includes('\u0000') ? line.replaceAll('\u0000', '') : line;
    while (rest.length > this.maxChars) {
      const cut = this.cutAt(rest);
      this.emit(rest.slice(0, cut));
      rest = rest.slice(cut);
    }
    this.emit(rest);
  }

  /** Where a piece of `text` ends: at most maxChars, never between the halves of a surrogate pair. */
  private cutAt(text: string): number {
    const last = text.charCodeAt(this.maxChars - 1);
    return this.maxChars > 1 && last >= 0xd800 && last <= 0xdbff ? this.maxChars - 1 : this.maxChars;
  }
}
