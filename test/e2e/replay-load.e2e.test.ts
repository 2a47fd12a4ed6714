import { request } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getDigested, writeLongRun } from '../helpers/long-output.js';
import { openStore } from '../helpers/store.js';
import { tempProject, yaml } from '../helpers/tmp.js';
import { spawnServer } from './remote-support.js';

/** Opens a new connection to /api/health every `everyMs`; `stop()` waits for the last answers. */
function probeHealth(url: string, everyMs: number) {
  const latencies: number[] = [];
  const failures: string[] = [];
  const pending = new Set<Promise<void>>();
  const probe = () => {
    const start = performance.now();
    const done = new Promise<void>((resolve) => {
      const req = request(`${url}/api/health`, { agent: false }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode === 200) latencies.push(performance.now() - start);
          else failures.push(`HTTP ${res.statusCode}`);
          resolve();
        });
      });
      req.on('error', (err) => {
        failures.push(err.message);
        resolve();
      });
      req.end();
    });
    pending.add(done);
    void done.then(() => pending.delete(done));
  };
  const timer = setInterval(probe, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all(pending);
      return { latencies, failures };
    },
  };
}

describe('a server under replay load', () => {
  it('answers /api/health promptly while SSE replays and NDJSON downloads of a long run go on', async () => {
    const cwd = tempProject({
      '.wave/pipelines/quick.yaml': yaml`
        kind: WavePipeline
        steps:
          - { id: only, type: command, script: echo hi }
      `,
    });
    const store = openStore({ path: join(cwd, '.wave/state.db') });
    const run = await writeLongRun(
      store,
      300_000,
      (i) => `2026-11-21 10:00:00 INFO  worker 3 processed item ${i} of the queue in 12 ms`,
    );
    await store.close();
    const server = await spawnServer(cwd);

    const health = probeHealth(server.url, 20);
    const replays = Array.from({ length: 8 }, () =>
      getDigested(`${server.url}/api/runs/${run.runId}/events`),
    );
    const downloads = Array.from({ length: 2 }, () =>
      getDigested(`${server.url}/api/runs/${run.runId}/logs?format=ndjson`),
    );
    const [replayed, downloaded] = await Promise.all([Promise.all(replays), Promise.all(downloads)]);
    const { latencies, failures } = await health.stop();

    for (const r of replayed) {
      expect(r.status).toBe(200);
      // Every event is a frame of 4 lines (id, event, data, blank); pings add 2 each.
      expect(r.newlines).toBeGreaterThanOrEqual(run.lastSeq * 4);
    }
    for (const d of downloaded) {
      expect(d.status).toBe(200);
      expect(d.sha256).toBe(run.ndjson.sha256);
    }
    expect(failures).toEqual([]);
    expect(latencies.length).toBeGreaterThan(10);
    // Generous for a loaded machine: an unpaced replay or a log built whole holds it for seconds.
    expect(Math.max(...latencies)).toBeLessThan(2000);
  }, 180_000);
});
