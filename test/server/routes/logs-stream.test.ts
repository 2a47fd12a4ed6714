import { type IncomingMessage, request } from 'node:http';
import { describe, expect, it, vi } from 'vitest';
import { eventually } from '../../helpers/eventually.js';
import { digest, getDigested, writeLongRun } from '../../helpers/long-output.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { serverProject } from '../support.js';

/** Opens a GET and stops reading as soon as the headers are in: the server's socket fills up. */
function openPaused(url: string): Promise<{ res: IncomingMessage; close: () => void }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      res.pause();
      resolve({ res, close: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Records how far the server has read the run's output, and when it last read. */
function watchReads(server: TestServer): { lastSeq: number; at: number } {
  const seen = { lastSeq: 0, at: Date.now() };
  const read = server.ctx.store.readOutput.bind(server.ctx.store);
  vi.spyOn(server.ctx.store, 'readOutput').mockImplementation(async (q) => {
    const lines = await read(q);
    seen.lastSeq = Math.max(seen.lastSeq, lines[lines.length - 1]?.seq ?? 0);
    seen.at = Date.now();
    return lines;
  });
  return seen;
}

describe('GET /api/runs/:id/logs of a long run', () => {
  it('streams the body chunked, reading the store only as fast as the client reads', async () => {
    const server = await startTestServer(serverProject());
    // 80 MB: well past what the loopback socket buffers hold (36 MB here) for a client that stalls.
    const line = 'z'.repeat(999);
    const run = await writeLongRun(server.ctx.store, 80_000, (i) => `${i} ${line}`);
    const reads = watchReads(server);

    const { res, close } = await openPaused(`${server.url}/api/runs/${run.runId}/logs`);
    try {
      expect(res.statusCode).toBe(200);
      expect(res.headers['transfer-encoding']).toBe('chunked');
      expect(res.headers['content-length']).toBeUndefined();
      // The client takes nothing: the server stops reading once the socket is full, far
      // from the end of the log.
      await eventually(() => Date.now() - reads.at > 500, 30_000, 'the server to stop reading');
      expect(reads.lastSeq).toBeGreaterThan(0);
      expect(reads.lastSeq).toBeLessThan(run.lastSeq * 0.75);

      res.resume();
      const body = await digest(res);
      expect(body.newlines).toBe(run.lines);
      expect(body.bytes).toBe(run.text.bytes);
      expect(body.sha256).toBe(run.text.sha256);
    } finally {
      close();
    }
  }, 120_000);

  it('answers 200 with every line for 92 MB of control characters, in NDJSON and text', async () => {
    const server = await startTestServer(serverProject());
    // Each control character is 6 in JSON: the NDJSON body is longer than any string V8 can hold.
    const line = '\u0001'.repeat(65_536);
    const run = await writeLongRun(server.ctx.store, 1_400, () => line);
    expect(run.ndjson.bytes).toBeGreaterThan(2 ** 29);

    const ndjson = await getDigested(`${server.url}/api/runs/${run.runId}/logs?format=ndjson`);
    expect(ndjson.status).toBe(200);
    expect(ndjson.headers['content-type']).toMatch(/^application\/x-ndjson/);
    expect(ndjson.newlines).toBe(run.lines);
    expect(ndjson.bytes).toBe(run.ndjson.bytes);
    expect(ndjson.sha256).toBe(run.ndjson.sha256);

    const text = await getDigested(`${server.url}/api/runs/${run.runId}/logs`);
    expect(text.status).toBe(200);
    expect(text.bytes).toBe(run.text.bytes);
    expect(text.sha256).toBe(run.text.sha256);
  }, 180_000);

  it('stops reading when the client goes away mid-body', async () => {
    const server = await startTestServer(serverProject());
    const line = 'w'.repeat(999);
    const run = await writeLongRun(server.ctx.store, 80_000, (i) => `${i} ${line}`);
    const reads = watchReads(server);
    const { res, close } = await openPaused(`${server.url}/api/runs/${run.runId}/logs?format=ndjson`);
    expect(res.statusCode).toBe(200);
    close();
    await eventually(() => Date.now() - reads.at > 500, 30_000, 'the server to stop reading');
    expect(reads.lastSeq).toBeLessThan(run.lastSeq * 0.75);
    // Nothing is left reading for the client that left; the server answers as usual.
    const stoppedAt = reads.lastSeq;
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
    expect(reads.lastSeq).toBe(stoppedAt);
  }, 120_000);
});
