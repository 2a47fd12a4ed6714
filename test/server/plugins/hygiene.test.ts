import { createHmac } from 'node:crypto';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createServerLogger } from '../../../src/server/logger.js';
import { SECRET, token } from '../../helpers/auth.js';
import { api, openSse, startTestServer } from '../../helpers/server.js';

const JWT_YAML = (extra = '') =>
  `server:\n  auth:\n    mode: jwt\n    jwt_secret: \${WAVE_JWT_SECRET}\n${extra}`;
const ENV = { WAVE_JWT_SECRET: SECRET };

describe('rate limits', () => {
  it('429 with Retry-After per actor; other actors and health unaffected', async () => {
    const server = await startTestServer(
      { 'wave.yaml': JWT_YAML('  rate_limit: { max: 5, window: 1m }\n') },
      { env: ENV },
    );
    const alice = { authorization: `Bearer ${await token({ sub: 'alice' })}` };
    const bob = { authorization: `Bearer ${await token({ sub: 'bob' })}` };
    for (let i = 0; i < 5; i++)
      expect((await api(server, 'GET', '/api/runs', undefined, alice)).status).toBe(200);
    const limited = await api<{ error: { code: string } }>(server, 'GET', '/api/runs', undefined, alice);
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect((await api(server, 'GET', '/api/runs', undefined, bob)).status).toBe(200);
    for (let i = 0; i < 10; i++) expect((await api(server, 'GET', '/api/health')).status).toBe(200);
  });

  it('failed authentication counts against the address', async () => {
    const server = await startTestServer(
      { 'wave.yaml': JWT_YAML('  rate_limit: { max: 3, window: 1m }\n') },
      { env: ENV },
    );
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push(
        (await api(server, 'GET', '/api/runs', undefined, { authorization: `Bearer guess-${i}` })).status,
      );
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
  });

  it('is on by default when authentication is on', async () => {
    const server = await startTestServer({ 'wave.yaml': JWT_YAML() }, { env: ENV });
    expect(server.ctx.limiter).not.toBeNull();
    const open = await startTestServer({});
    expect(open.ctx.limiter).toBeNull();
  });
});

describe('CORS', () => {
  it('echoes only allowed origins, with credentials; never * with credentials', async () => {
    const server = await startTestServer({
      'wave.yaml': 'server:\n  cors:\n    origins: ["https://ui.example.com"]\n',
    });
    const allowed = await api(server, 'GET', '/api/health', undefined, { origin: 'https://ui.example.com' });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://ui.example.com');
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    const other = await api(server, 'GET', '/api/health', undefined, { origin: 'https://evil.example.com' });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${server.url}/api/runs`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://ui.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');

    const star = await startTestServer({ 'wave.yaml': 'server:\n  cors:\n    origins: ["*"]\n' });
    const any = await api(star, 'GET', '/api/health', undefined, { origin: 'https://x.example.com' });
    expect(any.headers.get('access-control-allow-origin')).toBe('*');
    expect(any.headers.get('access-control-allow-credentials')).toBeNull();

    const none = await startTestServer({});
    expect(
      (await api(none, 'GET', '/api/health', undefined, { origin: 'https://ui.example.com' })).headers.get(
        'access-control-allow-origin',
      ),
    ).toBeNull();
  });

  it('SSE streams carry the CORS headers too', async () => {
    const server = await startTestServer({
      'wave.yaml': 'server:\n  cors:\n    origins: ["https://ui.example.com"]\n',
    });
    const sse = await openSse(server, '/api/events', { origin: 'https://ui.example.com' });
    expect(sse.headers['access-control-allow-origin']).toBe('https://ui.example.com');
    sse.close();
  });
});

describe('headers and logs', () => {
  it('sends nosniff on every response', async () => {
    const server = await startTestServer({});
    expect((await api(server, 'GET', '/api/health')).headers.get('x-content-type-options')).toBe('nosniff');
    expect((await api(server, 'GET', '/api/nope')).headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('never writes a token, a secret, an Authorization header or an access_token to the log', async () => {
    let log = '';
    const sink = new Writable({
      write(chunk, _enc, done) {
        log += chunk.toString();
        done();
      },
    });
    const hookSecret = 'webhook-secret-that-must-not-leak';
    const logger = createServerLogger({ level: 'trace', pretty: false, destination: sink });
    const server = await startTestServer(
      {
        'wave.yaml': `${JWT_YAML()}  webhooks:\n    github:\n      secret: ${hookSecret}\n      triggers: [ { event: push, pipeline: hello } ]\n`,
      },
      { env: ENV, logger },
    );
    const good = await token({ sub: 'alice' });
    const bad = `${good.slice(0, -4)}AAAA`;
    await api(server, 'GET', '/api/runs', undefined, { authorization: `Bearer ${good}` });
    await api(server, 'GET', '/api/runs', undefined, { authorization: `Bearer ${bad}` });
    await api(server, 'GET', `/api/runs?access_token=${good}`);
    const created = await api<{ id: string }>(
      server,
      'POST',
      '/api/runs',
      { pipeline: 'hello', input: 'x' },
      { authorization: `Bearer ${good}` },
    );
    const sse = await openSse(server, `/api/runs/${created.body.id}/events?access_token=${good}`);
    await sse.ended;
    const body = JSON.stringify({ ref: 'refs/heads/main', sender: { login: 'o' } });
    await api(server, 'POST', '/api/webhooks/github', body, {
      'x-github-event': 'push',
      'x-hub-signature-256': `sha256=${createHmac('sha256', hookSecret).update(body).digest('hex')}`,
    });
    await api(server, 'POST', '/api/webhooks/github', body, {
      'x-github-event': 'push',
      'x-hub-signature-256': 'sha256=bad',
    });
    logger.flush();
    await new Promise((r) => setTimeout(r, 50));
    expect(log).toContain('"msg":"request"');
    expect(log).toContain('[redacted]');
    for (const secret of [good, bad, SECRET, hookSecret, good.split('.')[2]!])
      expect(log).not.toContain(secret);
    expect(log.toLowerCase()).not.toMatch(/bearer [a-z0-9]/);
  });
});
