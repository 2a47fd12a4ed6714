import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { followLog } from '../../src/lifecycle/log-follow.js';
import { RotatingLog } from '../../src/lifecycle/rotating-log.js';
import { eventually } from '../helpers/eventually.js';
import { tempDir } from '../helpers/tmp.js';

describe('followLog', () => {
  it('prints what is appended from the end on, across rotations, in order, and stops on abort', async () => {
    const path = join(tempDir(), 'server.log');
    writeFileSync(path, 'old line\n');
    let seen = '';
    const stop = new AbortController();
    const following = followLog(path, (chunk) => (seen += chunk.toString()), stop.signal);
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

  it('fails at once when the log folder does not exist', async () => {
    const missing = join(tempDir(), 'nothing', 'server.log');
    await expect(followLog(missing, () => undefined, new AbortController().signal)).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });
});
