import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventually } from '../../helpers/eventually.js';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { yaml } from '../../helpers/tmp.js';
import { assertErrorShape, createRun, expectError, serverProject, waitForStatus } from '../support.js';

/** A raw GET that sends the path exactly as written (fetch would normalise `..` and `%2F`). */
function rawGet(
  server: TestServer,
  path: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: server.port, path, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('GET /api/runs/:id/logs', () => {
  it('gives every output line as `[step] content`, ?step= keeps one step', async () => {
    const server = await startTestServer(serverProject());
    const run = await createRun(server, 'logs');
    await waitForStatus(server, run.id, ['completed']);
    const all = await api<string>(server, 'GET', `/api/runs/${run.id}/logs`);
    expect(all.status).toBe(200);
    expect(all.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(all.body).toBe('[one] one-a\n[one] one-b\n[two] two-a\n[two] two-err\n');
    const two = await api<string>(server, 'GET', `/api/runs/${run.id}/logs?step=two`);
    expect(two.status).toBe(200);
    expect(two.body).toBe('[two] two-a\n[two] two-err\n');
    const text = await api<string>(server, 'GET', `/api/runs/${run.id}/logs?format=text&step=one`);
    expect(text.body).toBe('[one] one-a\n[one] one-b\n');
  });

  it('?format=ndjson gives {seq, ts, step, stream, content} lines', async () => {
    const server = await startTestServer(serverProject());
    const run = await createRun(server, 'logs');
    await waitForStatus(server, run.id, ['completed']);
    const res = await api<string>(server, 'GET', `/api/runs/${run.id}/logs?format=ndjson`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/ndjson/);
    const raw = await (await fetch(`${server.url}/api/runs/${run.id}/logs?format=ndjson`)).text();
    const lines = raw
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => Object.keys(l))).toEqual(
      lines.map(() => ['seq', 'ts', 'step', 'stream', 'content']),
    );
    expect(lines.map((l) => [l.step, l.stream, l.content])).toEqual([
      ['one', 'stdout', 'one-a'],
      ['one', 'stdout', 'one-b'],
      ['two', 'stdout', 'two-a'],
      ['two', 'stderr', 'two-err'],
    ]);
    const seqs = lines.map((l) => l.seq as number);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(new Set(seqs).size).toBe(seqs.length);
    const one = await (await fetch(`${server.url}/api/runs/${run.id}/logs?format=ndjson&step=one`)).text();
    expect(one.trimEnd().split('\n')).toHaveLength(2);
  });

  it('a run without output gives an empty body', async () => {
    const server = await startTestServer(serverProject());
    await server.ctx.scheduler.stop();
    const run = await createRun(server, 'quick');
    const res = await api<string | null>(server, 'GET', `/api/runs/${run.id}/logs`);
    expect(res.status).toBe(200);
    expect(res.body ?? '').toBe('');
  });

  it('404 step_not_found for an unknown step, run_not_found for an unknown run, 400 for a bad format', async () => {
    const server = await startTestServer(serverProject());
    const run = await createRun(server, 'logs');
    await waitForStatus(server, run.id, ['completed']);
    const error = expectError(
      await api(server, 'GET', `/api/runs/${run.id}/logs?step=tow`),
      404,
      'step_not_found',
    );
    expect(error.message).toContain('two');
    expectError(await api(server, 'GET', '/api/runs/nope/logs'), 404, 'run_not_found');
    expectError(await api(server, 'GET', `/api/runs/${run.id}/logs?format=xml`), 400, 'invalid_request');
    expectError(await api(server, 'GET', `/api/runs/${run.id}/logs?step=`), 400, 'invalid_request');
  });
});

describe('GET /api/runs/:id/artifacts/:step/:name', () => {
  it('serves the bytes with a content type by artifact type', async () => {
    const server = await startTestServer(serverProject());
    const run = await createRun(server, 'arts');
    await waitForStatus(server, run.id, ['completed']);
    const cases: [string, string, Buffer][] = [
      ['data', 'application/json', Buffer.from('{"ok":true}')],
      ['notes', 'text/markdown', Buffer.from('# Title\n')],
      ['note.txt', 'text/plain', Buffer.from('plain text')],
      ['blob', 'application/octet-stream', Buffer.from([0, 1, 2])],
    ];
    for (const [name, type, bytes] of cases) {
      const res = await fetch(`${server.url}/api/runs/${run.id}/artifacts/make/${name}`);
      expect(res.status, name).toBe(200);
      expect(res.headers.get('content-type')).toMatch(new RegExp(`^${type}`));
      expect(Buffer.from(await res.arrayBuffer())).toEqual(bytes);
      expect(res.headers.get('x-content-sha256')).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
    const detail = await api<{ steps: { id: string; artifacts: { name: string; size: number }[] }[] }>(
      server,
      'GET',
      `/api/runs/${run.id}`,
    );
    expect(detail.body.steps[0]!.artifacts.map((a) => [a.name, a.size]).sort()).toEqual([
      ['blob', 3],
      ['data', 11],
      ['note.txt', 10],
      ['notes', 8],
    ]);
  });

  it('a download still streaming when the server closes does not hold the close open', async () => {
    const server = await startTestServer({
      '.wave/pipelines/big.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: make
            type: command
            script: head -c 8388608 /dev/zero > big.bin
            output_artifacts:
              - { name: big, path: big.bin, type: binary }
      `,
    });
    const run = await createRun(server, 'big');
    await waitForStatus(server, run.id, ['completed']);
    const res = await fetch(`${server.url}/api/runs/${run.id}/artifacts/make/big`);
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let received = (await reader.read()).value?.length ?? 0;
    // Close while most of the file is still to be sent on this keep-alive connection.
    let closed = false;
    const closing = server.close().then(() => {
      closed = true;
    });
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
      received += chunk.value.length;
    expect(received).toBe(8 * 1024 * 1024);
    // Bounded far below the keep-alive timeout (72 s) that used to hold it.
    await eventually(() => closed, 10_000, 'the server to close');
    await closing;
  });

  it('404 for an unknown run, step or artifact', async () => {
    const server = await startTestServer(serverProject());
    const run = await createRun(server, 'arts');
    await waitForStatus(server, run.id, ['completed']);
    expectError(await api(server, 'GET', '/api/runs/nope/artifacts/make/data'), 404, 'run_not_found');
    expectError(await api(server, 'GET', `/api/runs/${run.id}/artifacts/nope/data`), 404, 'step_not_found');
    expectError(
      await api(server, 'GET', `/api/runs/${run.id}/artifacts/other/data`),
      404,
      'artifact_not_found',
    );
    const missing = expectError(
      await api(server, 'GET', `/api/runs/${run.id}/artifacts/make/nope`),
      404,
      'artifact_not_found',
    );
    expect(missing.message).toContain('nope');
  });

  it('refuses a pipeline whose artifact name would climb out of .wave/artifacts', async () => {
    // The name becomes a file name under .wave/artifacts/<run>/<step>/: validation refuses "..".
    const server = await startTestServer({
      '.wave/pipelines/escape.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: make
            type: command
            script: printf 'TOP SECRET' > out.txt
            output_artifacts:
              - { name: "../../../../escaped.txt", path: out.txt, type: text }
      `,
    });
    const res = await api<{ error: { code: string; message: string } }>(server, 'POST', '/api/runs', {
      pipeline: 'escape',
    });
    expect(res.status).toBe(400);
    assertErrorShape(res.body);
    expect(res.body.error.code).toBe('invalid_pipeline');
    expect(res.body.error.message).toContain('steps[0].output_artifacts[0].name');
  });

  it('never reads outside .wave/artifacts, whatever the path', async () => {
    const server = await startTestServer(
      serverProject({ 'secret.txt': 'TOP SECRET', '.wave/state-copy.txt': 'TOP SECRET' }),
    );
    const run = await createRun(server, 'arts');
    await waitForStatus(server, run.id, ['completed']);
    // Bait right next to the artifact folder and at the project root.
    mkdirSync(join(server.root, '.wave/artifacts'), { recursive: true });
    writeFileSync(join(server.root, '.wave/artifacts/bait'), 'TOP SECRET');
    const paths = [
      `/api/runs/${run.id}/artifacts/make/..%2F..%2Fetc%2Fpasswd`,
      `/api/runs/${run.id}/artifacts/make/..%2F..%2F..%2Fsecret.txt`,
      `/api/runs/${run.id}/artifacts/make/..%2F..%2Fbait`,
      `/api/runs/${run.id}/artifacts/make/../x`,
      `/api/runs/${run.id}/artifacts/make/..`,
      `/api/runs/${run.id}/artifacts/make/%2e%2e`,
      `/api/runs/${run.id}/artifacts/make/%2e%2e%2f%2e%2e%2fbait`,
      `/api/runs/${run.id}/artifacts/..%2F..%2F/bait`,
      `/api/runs/${run.id}/artifacts/%2E%2E/..%2Fbait`,
      `/api/runs/${run.id}/artifacts/make/%2Fetc%2Fpasswd`,
      `/api/runs/..%2F..%2F/artifacts/make/data`,
      `/api/runs/${run.id}/artifacts/make/data%00.txt`,
      `/api/runs/${run.id}/artifacts/make/..%5C..%5Csecret.txt`,
      `/api/runs/${run.id}/artifacts/make/data/..%2F..%2Fnotes`,
      `/api/runs/${run.id}/artifacts/make/%252e%252e%252fbait`,
    ];
    for (const path of paths) {
      const res = await rawGet(server, path);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
      const text = res.body.toString();
      expect(text, path).not.toContain('TOP SECRET');
      expect(text, path).not.toContain('root:');
      assertErrorShape(JSON.parse(text));
    }
  });
});
