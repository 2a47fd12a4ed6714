import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { followLog, logMark } from '../../src/lifecycle/log-follow.js';
import { RotatingLog } from '../../src/lifecycle/rotating-log.js';
import { logFiles } from '../../src/lifecycle/server-files.js';
import { eventually } from '../helpers/eventually.js';
import { tempDir } from '../helpers/tmp.js';

describe('followLog', () => {
  it('prints what is appended from the end on, across rotations, in order, and stops on abort', async () => {
    const path = join(tempDir(), 'server.log');
    writeFileSync(path, 'old line\n');
    let seen = '';
    const stop = new AbortController();
    const following = followLog(logFiles(path, 2), (chunk) => (seen += chunk.toString()), stop.signal);
    const log = new RotatingLog(path, 200, 2);
    const lines = Array.from({ length: 60 }, (_, i) => `line ${i}`);
    for (const [i, l] of lines.entries()) {
      log.write(`${l}\n`);
      // Let the watcher wake now and then, as a running server's pauses do.
      if (i % 7 === 0) await eventually(() => seen.includes(`${l}\n`), 10_000, l);
    }
    log.close();
    await eventually(() => seen.endsWith('line 59\n'), 10_000, 'the last line');
    expect(seen).toBe(lines.map((l) => `${l}\n`).join(''));
    stop.abort();
    await following;
  });

  it('continues from a mark taken before the tail was printed: a line written in between is not lost', async () => {
    const path = join(tempDir(), 'server.log');
    writeFileSync(path, 'before\n');
    const mark = logMark(path);
    // The server writes while the tail is read and printed, before following starts.
    writeFileSync(path, 'before\nin between\n');
    let seen = '';
    const stop = new AbortController();
    const following = followLog(logFiles(path, 2), (chunk) => (seen += chunk.toString()), stop.signal, mark);
    const log = new RotatingLog(path, 10_000, 2);
    log.write('after\n');
    log.close();
    await eventually(() => seen.includes('after\n'), 10_000, 'the line after');
    expect(seen).toBe('in between\nafter\n');
    stop.abort();
    await following;
  });

  it('several rotations before it wakes: the files rotated in between are printed too', async () => {
    const path = join(tempDir(), 'server.log');
    const log = new RotatingLog(path, 100, 5);
    let seen = '';
    const stop = new AbortController();
    const following = followLog(logFiles(path, 5), (chunk) => (seen += chunk.toString()), stop.signal);
    // All at once, without yielding: three or four rotations happen before the watcher can wake.
    const lines = Array.from({ length: 40 }, (_, i) => `burst ${i}\n`);
    for (const l of lines) log.write(l);
    log.close();
    expect(existsSync(`${path}.3`)).toBe(true);
    await eventually(() => seen.endsWith('burst 39\n'), 10_000, 'the last line');
    expect(seen).toBe(lines.join(''));
    stop.abort();
    await following;
  });

  it('fails at once when the log folder does not exist', async () => {
    const missing = join(tempDir(), 'nothing', 'server.log');
    await expect(followLog([missing], () => undefined, new AbortController().signal)).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });
});
