import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LineSplitter, MAX_LINE_CHARS } from '../../src/engine/line-splitter.js';

/** Feeds the chunks to a fresh splitter, ends it and returns every emitted line. */
function split(chunks: (Buffer | string)[], maxChars?: number): string[] {
  const lines: string[] = [];
  const splitter = new LineSplitter((line) => lines.push(line), maxChars);
  for (const chunk of chunks) splitter.push(chunk);
  splitter.end();
  return lines;
}

/** False for a string with a lone surrogate, which does not survive a round trip through UTF-8. */
function isWellFormed(text: string): boolean {
  return Buffer.from(text, 'utf8').toString('utf8') === text;
}

describe('LineSplitter', () => {
  it('splits on \\n and emits a last line without a newline at end()', () => {
    expect(split(['one\ntwo\nthree'])).toEqual(['one', 'two', 'three']);
  });

  it('emits nothing for empty input and keeps empty lines in between', () => {
    expect(split([])).toEqual([]);
    expect(split(['a\n\nb\n'])).toEqual(['a', '', 'b']);
  });

  it('treats \\r\\n as one break and a lone \\r as a break', () => {
    expect(split(['a\r\nb\rc\n'])).toEqual(['a', 'b', 'c']);
    expect(split(['progress 1\rprogress 2\rdone\r\n'])).toEqual(['progress 1', 'progress 2', 'done']);
  });

  it('treats \\r\\n split across two chunks as one break', () => {
    expect(split(['a\r', '\nb\n'])).toEqual(['a', 'b']);
    expect(split([Buffer.from('a\r'), Buffer.from('\n'), Buffer.from('b')])).toEqual(['a', 'b']);
  });

  it('still sees an empty line after a lone \\r at the end of a chunk', () => {
    expect(split(['a\r', '\n\nb'])).toEqual(['a', '', 'b']);
    expect(split(['a\r', 'b'])).toEqual(['a', 'b']);
  });

  it('joins a line that arrives in several chunks', () => {
    expect(split(['hel', 'lo wo', 'rld\nnext'])).toEqual(['hello world', 'next']);
  });

  it('decodes multi-byte UTF-8 characters split across chunks', () => {
    const bytes = Buffer.from('añ€😀z\n', 'utf8');
    // Every cut point, including those inside the 2-, 3- and 4-byte sequences.
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(split([bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual(['añ€😀z']);
    }
    const oneByteAtATime = [...bytes].map((b) => Buffer.from([b]));
    expect(split(oneByteAtATime)).toEqual(['añ€😀z']);
  });

  it('turns invalid UTF-8 into U+FFFD and drops NUL bytes', () => {
    expect(split([Buffer.from([0x61, 0x00, 0x62, 0xff, 0x63, 0x0a])])).toEqual(['ab\uFFFDc']);
    // A truncated sequence at the very end is flushed by end().
    expect(split([Buffer.from([0x61, 0xe2, 0x82])])).toEqual(['a\uFFFD']);
  });

  it('yields NUL-free strings for random binary garbage', () => {
    const garbage = randomBytes(256 * 1024);
    garbage[100] = 0;
    const lines = split([garbage.subarray(0, 1000), garbage.subarray(1000)]);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line.includes('\u0000')).toBe(false);
      expect(line.length).toBeLessThanOrEqual(MAX_LINE_CHARS);
    }
  });

  it('splits a huge line into pieces of at most maxChars that concatenate to the original', () => {
    const line = 'x'.repeat(10 * 1024 * 1024 + 17);
    const chunks: string[] = [];
    for (let i = 0; i < line.length; i += 65_536) chunks.push(line.slice(i, i + 65_536));
    const pieces = split([...chunks, '\nafter\n']);
    expect(pieces.at(-1)).toBe('after');
    const body = pieces.slice(0, -1);
    for (const piece of body) expect(piece.length).toBeLessThanOrEqual(MAX_LINE_CHARS);
    expect(body.join('')).toBe(line);
  });

  it('splits a long line given in one chunk, with a small maxChars', () => {
    expect(split(['abcdefghij\n'], 4)).toEqual(['abcd', 'efgh', 'ij']);
    expect(split(['abcdefgh', '\nz'], 4)).toEqual(['abcd', 'efgh', 'z']);
  });

  it('never cuts a surrogate pair in two when splitting a long line', () => {
    const line = 'abc😀😀😀d';
    for (const chunks of [[`${line}\n`], [...line, '\n']]) {
      const pieces = split(chunks, 4);
      expect(pieces.join('')).toBe(line);
      for (const piece of pieces) {
        expect(piece.length).toBeLessThanOrEqual(4);
        expect(isWellFormed(piece)).toBe(true);
      }
    }
  });
});
