import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/parse-config.js';
import { hostOriginPolicy } from '../../../src/server/plugins/host-origin.js';
import { readResponse } from '../../helpers/http-response.js';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { expectError, type RunBody, serverProject, waitForGate } from '../support.js';

interface RawResult {
  status: number;
  body: unknown;
  headers: Headers;
}

/**
 * A request with full control of Host and Origin (fetch may not set Host): what a browser sends
 * after DNS rebinding, or from another site's page.
 */
function raw(
  server: TestServer,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: server.port, method, path, headers, setHost: !('host' in headers) },
      (res) =>
        void readResponse(res).then(({ status, body: parsed, headers }) => {
          const out = new Headers();
          for (const [k, v] of Object.entries(headers)) if (typeof v === 'string') out.set(k, v);
          resolve({ status, body: parsed, headers: out });
        }, reject),
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Every kind of route: web UI, health, OpenAPI, API reads and writes, SSE, metrics, webhooks, 404. */
const ROUTES: [string, string][] = [
  ['GET', '/'],
  ['GET', '/runs/some-run'],
  ['GET', '/favicon.svg'],
  ['GET', '/api/health'],
  ['GET', '/api/openapi.json'],
  ['GET', '/api/pipelines'],
  ['GET', '/api/pipelines/quick'],
  ['GET', '/api/personas'],
  ['GET', '/api/runs'],
  ['GET', '/api/runs/RUN'],
  ['GET', '/api/runs/RUN/logs'],
  ['GET', '/api/runs/RUN/events'],
  ['GET', '/api/events'],
  ['GET', '/api/runs/RUN/artifacts/only/x'],
  ['GET', '/metrics'],
  ['GET', '/api/nope'],
  ['POST', '/api/runs'],
  ['POST', '/api/runs/RUN/cancel'],
  ['POST', '/api/runs/RUN/gate/ask'],
  ['POST', '/api/webhooks/github'],
];

async function gatedRun(server: TestServer): Promise<string> {
  const res = await api<RunBody>(server, 'POST', '/api/runs', { pipeline: 'gated' });
  expect(res.status).toBe(201);
  await waitForGate(server, res.body.id, 'ask');
  return res.body.id;
}

describe('Host rule (auth none)', () => {
  it('refuses a foreign Host with 403 forbidden_host on every route, the web UI included', async () => {
    const server = await startTestServer(serverProject());
    const runId = await gatedRun(server);
    for (const host of ['evil.example.com', `evil.example.com:${server.port}`, `10.0.0.5:${server.port}`]) {
      for (const [method, path] of ROUTES) {
        const body = method === 'POST' ? '{"pipeline":"quick"}' : undefined;
        const res = await raw(
          server,
          method,
          path.replace('RUN', runId),
          { host, ...(body ? { 'content-type': 'application/json' } : {}), accept: 'text/event-stream' },
          body,
        );
        const error = expectError(res, 403, 'forbidden_host');
        expect(error.details).toEqual({ host });
      }
    }
    // Nothing was done on their behalf: one run, still waiting at its gate.
    expect(
      (await api<{ runs: RunBody[] }>(server, 'GET', '/api/runs')).body.runs.map((r) => r.status),
    ).toEqual(['waiting']);
  });

  it('refuses a loopback name or address on another port', async () => {
    const server = await startTestServer(serverProject());
    const other = server.port === 65535 ? 1 : server.port + 1;
    for (const host of [
      `127.0.0.1:${other}`,
      `localhost:${other}`,
      `[::1]:${other}`,
      'localhost',
      '127.0.0.1',
    ]) {
      expectError(await raw(server, 'GET', '/api/health', { host }), 403, 'forbidden_host');
    }
    // Malformed or missing-looking Host values are foreign too.
    for (const host of ['', 'user@127.0.0.1', `127.0.0.1:${server.port}/x`, `[::1:${server.port}`]) {
      expectError(await raw(server, 'GET', '/api/health', { host }), 403, 'forbidden_host');
    }
  });

  it('answers localhost, 127.0.0.1 and [::1] with the bound port (port 0 resolved to the real one)', async () => {
    const server = await startTestServer(serverProject());
    for (const host of [
      `127.0.0.1:${server.port}`,
      `localhost:${server.port}`,
      `LOCALHOST:${server.port}`,
      `[::1]:${server.port}`,
      `127.1.2.3:${server.port}`,
    ]) {
      const res = await raw(server, 'GET', '/api/health', { host });
      expect(res.status, `${host} → ${JSON.stringify(res.body)}`).toBe(200);
    }
    expect((await raw(server, 'GET', '/', { host: `localhost:${server.port}` })).status).toBe(200);
  });

  it('answers the names in server.allowed_hosts (a name alone: any port; name:port: that port)', async () => {
    const server = await startTestServer(
      serverProject({
        'wave.yaml': 'server:\n  allowed_hosts: ["Wave.Internal", "proxy.example.com:8443"]\n',
      }),
    );
    for (const host of ['wave.internal', 'wave.internal:9999', 'WAVE.INTERNAL', 'proxy.example.com:8443']) {
      const res = await raw(server, 'GET', '/api/runs', { host });
      expect(res.status, `${host} → ${JSON.stringify(res.body)}`).toBe(200);
    }
    for (const host of ['proxy.example.com', 'proxy.example.com:443', 'other.internal'])
      expectError(await raw(server, 'GET', '/api/runs', { host }), 403, 'forbidden_host');
  });

  it('refuses an allowed_hosts entry that is not a host name, saying which', async () => {
    await expect(
      startTestServer(serverProject({ 'wave.yaml': 'server:\n  allowed_hosts: ["http://x.example/"]\n' })),
    ).rejects.toThrow(/allowed_hosts.*not a host name/s);
  });

  it('does not apply with authentication: a token is what counts there', async () => {
    const server = await startTestServer(
      serverProject({ 'wave.yaml': 'server:\n  auth:\n    mode: jwt\n    jwt_secret: ${WAVE_JWT_SECRET}\n' }),
      { env: { WAVE_JWT_SECRET: 'test-secret-that-is-long-enough-0123456789' } },
    );
    expect((await raw(server, 'GET', '/api/health', { host: 'wave.example.com' })).status).toBe(200);
    expectError(
      await raw(server, 'POST', '/api/runs/x/cancel', { origin: 'https://evil.example.com' }),
      401,
      'unauthorized',
    );
  });
});

describe('Origin rule (auth none)', () => {
  it('refuses a body-less cross-site cancel with 403 forbidden_origin; the run is not cancelled', async () => {
    const server = await startTestServer(serverProject());
    const runId = await gatedRun(server);
    for (const origin of [
      'https://evil.example.com',
      'null',
      `http://localhost:${server.port + 1}`,
      'file://',
    ]) {
      const res = await raw(server, 'POST', `/api/runs/${runId}/cancel`, { origin });
      expect(expectError(res, 403, 'forbidden_origin').details).toEqual({ origin });
    }
    // A form post (text/plain needs no preflight) and a gate answer are refused alike.
    expectError(
      await raw(
        server,
        'POST',
        '/api/runs',
        { origin: 'https://evil.example.com', 'content-type': 'text/plain' },
        '{"pipeline":"quick"}',
      ),
      403,
      'forbidden_origin',
    );
    expectError(
      await raw(
        server,
        'POST',
        `/api/runs/${runId}/gate/ask`,
        { origin: 'https://evil.example.com', 'content-type': 'application/json' },
        '{"approved":true}',
      ),
      403,
      'forbidden_origin',
    );
    const run = (await api<RunBody & { gates: { status: string }[] }>(server, 'GET', `/api/runs/${runId}`))
      .body;
    expect(run).toMatchObject({ status: 'waiting', cancel_requested: false });
    expect(run.gates[0]?.status).toBe('waiting');
    // Reads from another site are not state-changing: the browser's same-origin policy guards them.
    expect((await raw(server, 'GET', '/api/health', { origin: 'https://evil.example.com' })).status).toBe(
      200,
    );
  });

  it("allows the server's own origin, by any of its loopback names, and a configured CORS origin", async () => {
    const server = await startTestServer(
      serverProject({ 'wave.yaml': 'server:\n  cors:\n    origins: ["https://ui.example.com"]\n' }),
    );
    const port = server.port;
    const first = await gatedRun(server);
    const own = await raw(server, 'POST', `/api/runs/${first}/cancel`, {
      host: `127.0.0.1:${port}`,
      origin: `http://127.0.0.1:${port}`,
    });
    expect(own.status, JSON.stringify(own.body)).toBe(202);
    // The page at localhost:PORT calling 127.0.0.1:PORT is this server too.
    const created = await raw(
      server,
      'POST',
      '/api/runs',
      { origin: `http://localhost:${port}`, 'content-type': 'application/json' },
      '{"pipeline":"quick"}',
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const second = await gatedRun(server);
    const cors = await raw(server, 'POST', `/api/runs/${second}/cancel`, {
      origin: 'https://ui.example.com',
    });
    expect(cors.status, JSON.stringify(cors.body)).toBe(202);
    expectError(
      await raw(server, 'POST', `/api/runs/${second}/cancel`, { origin: 'https://ui.example.com.evil.io' }),
      403,
      'forbidden_origin',
    );
  });

  it('an allowed_hosts name is an own origin too (a proxy in front, with TLS)', async () => {
    const server = await startTestServer(
      serverProject({ 'wave.yaml': 'server:\n  allowed_hosts: ["wave.example.com"]\n' }),
    );
    const runId = await gatedRun(server);
    const res = await raw(server, 'POST', `/api/runs/${runId}/cancel`, {
      host: 'wave.example.com',
      origin: 'https://wave.example.com',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
  });
});

describe('which servers the rule applies to', () => {
  const policy = (server: Record<string, unknown>, flags: Record<string, unknown> = {}) =>
    hostOriginPolicy(parseConfig({ file: { server }, env: {}, flags }).config);

  it('a loopback bind without auth: Host and Origin rules; with auth: neither', () => {
    expect(policy({})).toMatchObject({ checkHost: true, allowedHosts: [] });
    expect(policy({ bind: '[::1]:9000' })?.checkHost).toBe(true);
    expect(policy({ auth: { mode: 'jwt' } })).toBeNull();
  });

  it('--insecure on a non-loopback bind: the Host rule only with allowed_hosts (the user opted out)', () => {
    expect(policy({ bind: '0.0.0.0:8080' }, { insecure: true })?.checkHost).toBe(false);
    expect(policy({ bind: '0.0.0.0:8080', allowed_hosts: ['Wave.LAN'] }, { insecure: true })).toMatchObject({
      checkHost: true,
      allowedHosts: ['wave.lan'],
    });
  });
});
