import { createHash } from 'node:crypto';
import { type IncomingHttpHeaders, request } from 'node:http';
import type { Store } from '../../src/store/store.js';
import { draft, newRun } from './store.js';

/** What GET /logs must answer for a run, without holding it: size, line count and digest per format. */
export interface ExpectedLogs {
  runId: string;
  lines: number;
  /** The run's last seq (its terminal event). */
  lastSeq: number;
  text: { bytes: number; sha256: string };
  ndjson: { bytes: number; sha256: string };
}

/**
 * A finished run (steps of SHIP_SPEC) whose step `build` printed `lines` lines, `content(i)`
 * each, appended in batches of at most ~8 MB as the engine would; returns what its logs are.
 */
export async function writeLongRun(
  store: Store,
  lines: number,
  content: (i: number) => string,
): Promise<ExpectedLogs> {
  const { run } = await store.createRun(newRun());
  await store.append(run.id, [draft.runStarted(run.id), draft.stepStarted(run.id, 'build')]);
  const text = { hash: createHash('sha256'), bytes: 0 };
  const ndjson = { hash: createHash('sha256'), bytes: 0 };
  for (let i = 0; i < lines; ) {
    const batch = [];
    for (let size = 0; i < lines && size < 8 * 1024 * 1024; i++) {
      const line = content(i);
      size += line.length;
      batch.push(draft.line(run.id, 'build', line));
    }
    for (const e of await store.append(run.id, batch)) {
      if (e.type !== 'stream_activity') continue;
      const t = `[${e.step}] ${e.content}\n`;
      const n = `${JSON.stringify({ seq: e.seq, ts: e.ts, step: e.step, stream: e.stream, content: e.content })}\n`;
      text.hash.update(t);
      text.bytes += Buffer.byteLength(t);
      ndjson.hash.update(n);
      ndjson.bytes += Buffer.byteLength(n);
    }
  }
  const done = await store.append(run.id, [
    draft.stepCompleted(run.id, 'build', 1),
    draft.runCompleted(run.id),
  ]);
  return {
    runId: run.id,
    lines,
    lastSeq: done[done.length - 1]!.seq,
    text: { bytes: text.bytes, sha256: text.hash.digest('hex') },
    ndjson: { bytes: ndjson.bytes, sha256: ndjson.hash.digest('hex') },
  };
}

export interface StreamedBody {
  status: number;
  headers: IncomingHttpHeaders;
  bytes: number;
  newlines: number;
  sha256: string;
}

/** Digests a stream as it comes (never holding it): size, newline count, sha256. */
export async function digest(
  chunks: AsyncIterable<Buffer>,
): Promise<Omit<StreamedBody, 'status' | 'headers'>> {
  const hash = createHash('sha256');
  let bytes = 0;
  let newlines = 0;
  for await (const chunk of chunks) {
    hash.update(chunk);
    bytes += chunk.length;
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) newlines++;
  }
  return { bytes, newlines, sha256: hash.digest('hex') };
}

/** GETs a URL and digests the body as it streams. */
export function getDigested(url: string): Promise<StreamedBody> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      digest(res).then((d) => resolve({ status: res.statusCode ?? 0, headers: res.headers, ...d }), reject);
    });
    req.on('error', reject);
    req.end();
  });
}
