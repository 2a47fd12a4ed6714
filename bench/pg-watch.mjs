// What the PostgreSQL benchmarks share: a project of one-step pipelines and an /api/events
// watcher that records when each run started and ended as seen by one SSE client.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** `thinkTime`: how long the mock agent takes per step (adapters.mock.think_time); none by default. */
export function benchProject(prefix, { thinkTime } = {}) {
  const root = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(join(root, '.wave/pipelines'), { recursive: true });
  mkdirSync(join(root, '.wave/personas'), { recursive: true });
  writeFileSync(join(root, '.wave/personas/p.md'), 'You are a benchmark persona.\n');
  // A project of its own (without a wave.yaml the built-in one applies, and its storage.driver
  // would win over WAVE_STORAGE_URL).
  writeFileSync(
    join(root, 'wave.yaml'),
    `metadata: { name: bench }\n${thinkTime ? `adapters: { mock: { think_time: ${thinkTime} } }\n` : ''}`,
  );
  writeFileSync(
    join(root, '.wave/pipelines/one.yaml'),
    'kind: WavePipeline\nsteps:\n  - id: think\n    persona: p\n    exec: { type: prompt, source: "one step" }\n',
  );
  return root;
}

/**
 * An SSE client on /api/events (`types` kept), calling `onEvent(event, arrivedAtMs)` for each;
 * resolves once connected, with `close()`.
 */
export function watchEvents(url, types, onEvent) {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/api/events?types=${types.join(',')}`, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`/api/events answered ${res.statusCode}`));
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        const at = Date.now();
        buf += chunk;
        for (let i = buf.indexOf('\n\n'); i !== -1; i = buf.indexOf('\n\n')) {
          const data = buf
            .slice(0, i)
            .split('\n')
            .find((l) => l.startsWith('data: '));
          buf = buf.slice(i + 2);
          if (data) onEvent(JSON.parse(data.slice(6)), at);
        }
      });
      resolve({ close: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Submits `count` runs of `pipeline`, round-robin over `urls`, `submitters` at a time. */
export async function submitRuns(urls, pipeline, count, submitters = 20) {
  const ids = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: submitters }, async () => {
      for (let i = next++; i < count; i = next++) {
        const res = await fetch(`${urls[i % urls.length]}/api/runs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ pipeline }),
        });
        if (res.status !== 201) throw new Error(`POST /api/runs answered ${res.status}: ${await res.text()}`);
        ids.push((await res.json()).id);
      }
    }),
  );
  return ids;
}

/** Resolves when `done()` is true, checking at each call of the returned `poke`; fails after the deadline. */
export function until(done, timeoutMs, what) {
  let poke;
  const promise = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
    poke = () => {
      if (done()) {
        clearTimeout(timer);
        resolve();
      }
    };
  });
  return { promise, poke: () => poke() };
}
