import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tailLines } from '../../src/lifecycle/log-tail.js';
import { RotatingLog } from '../../src/lifecycle/rotating-log.js';
import { logFiles } from '../../src/lifecycle/server-files.js';
import { tempDir } from '../helpers/tmp.js';

const line = (i: number) => `line ${String(i).padStart(4, '0')} ${'x'.repeat(40)}\n`;

describe('RotatingLog', () => {
  it('rotates past the limit, keeps `keep` older files and drops the oldest', () => {
    const path = join(tempDir(), 'server.log');
    const log = new RotatingLog(path, 500, 3);
    for (let i = 0; i < 100; i++) log.write(line(i));
    log.close();
    expect(logFiles(path, 3).every((f) => existsSync(f))).toBe(true);
    expect(existsSync(`${path}.4`)).toBe(false);
    for (const f of logFiles(path, 3)) expect(statSync(f).size).toBeLessThanOrEqual(500 + line(0).length);
    // Newest last: the kept files hold the most recent lines, in order and none repeated.
    const kept = [`${path}.3`, `${path}.2`, `${path}.1`, path].flatMap((f) =>
      readFileSync(f, 'utf8').split('\n').filter(Boolean),
    );
    const numbers = kept.map((l) => Number(l.split(' ')[1]));
    expect(numbers.at(-1)).toBe(99);
    expect(numbers).toEqual(numbers.map((_, i) => numbers[0]! + i));
    expect(numbers[0]).toBeGreaterThan(0);
  });

  it('never splits a line across two files, whatever the chunks', () => {
    const path = join(tempDir(), 'server.log');
    const log = new RotatingLog(path, 300, 5);
    const text = Array.from({ length: 40 }, (_, i) => line(i)).join('');
    // Chunks that cut lines anywhere, as pipe reads do.
    for (let off = 0; off < text.length; off += 37) log.write(text.slice(off, off + 37));
    log.close();
    const files = [`${path}.5`, `${path}.4`, `${path}.3`, `${path}.2`, `${path}.1`, path];
    for (const f of files.filter((x) => existsSync(x))) {
      const content = readFileSync(f, 'utf8');
      if (f !== path) expect(content.endsWith('\n')).toBe(true);
      for (const l of content.trim().split('\n')) expect(l).toMatch(/^line \d{4} x{40}$/);
    }
  });

  it('splits a burst of many lines in one chunk across files, each within the limit plus one line', () => {
    const path = join(tempDir(), 'server.log');
    const log = new RotatingLog(path, 500, 5);
    log.write(line(0));
    // What a pipe hands over when the writer falls behind: many lines at once, some after a rotation.
    log.write(Array.from({ length: 40 }, (_, i) => line(i + 1)).join(''));
    log.close();
    const files = logFiles(path, 5).filter((f) => existsSync(f));
    expect(files.length).toBeGreaterThan(3);
    for (const f of files) expect(statSync(f).size).toBeLessThanOrEqual(500 + line(0).length);
    const all = [...files]
      .reverse()
      .flatMap((f) => readFileSync(f, 'utf8').split('\n').filter(Boolean))
      .map((l) => Number(l.split(' ')[1]));
    expect(all.at(-1)).toBe(40);
    expect(all).toEqual([...all].sort((a, b) => a - b));
  });

  it('appends to an existing log and counts its size', () => {
    const path = join(tempDir(), 'server.log');
    writeFileSync(path, 'a'.repeat(290) + '\n');
    const log = new RotatingLog(path, 300, 2);
    log.write(line(1));
    log.close();
    expect(readFileSync(`${path}.1`, 'utf8')).toBe(`${'a'.repeat(290)}\n${line(1)}`);
    expect(readFileSync(path, 'utf8')).toBe('');
  });
});

describe('tailLines', () => {
  it('takes the last lines across the log and its rotated files, oldest first', () => {
    const path = join(tempDir(), 'server.log');
    const log = new RotatingLog(path, 200, 5);
    for (let i = 0; i < 30; i++) log.write(line(i));
    log.close();
    const last = tailLines(logFiles(path), 12);
    expect(last.map((l) => Number(l.split(' ')[1]))).toEqual(Array.from({ length: 12 }, (_, i) => 18 + i));
    expect(tailLines(logFiles(path), 0)).toEqual([]);
    expect(tailLines(logFiles(join(tempDir(), 'none.log')), 5)).toEqual([]);
  });

  it('reads a large file from its end in chunks', () => {
    const path = join(tempDir(), 'big.log');
    writeFileSync(path, Array.from({ length: 20_000 }, (_, i) => line(i)).join(''));
    expect(tailLines([path], 3)).toEqual([line(19_997), line(19_998), line(19_999)].map((l) => l.trimEnd()));
  });
});
