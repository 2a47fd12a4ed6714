import { describe, expect, it } from 'vitest';
import { SECRET, token } from '../../helpers/auth.js';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { expectError, type RunBody, serverProject } from '../support.js';

/** A JWT server that only queues (no run starts), so every run stays as submitted. */
async function jwtServer(): Promise<TestServer> {
  const server = await startTestServer(
    serverProject({ 'wave.yaml': 'server:\n  auth:\n    mode: jwt\n    jwt_secret: ${WAVE_JWT_SECRET}\n' }),
    { env: { WAVE_JWT_SECRET: SECRET } },
  );
  await server.ctx.scheduler.stop();
  return server;
}

async function submit(
  server: TestServer,
  who: string,
  key: string,
  body: Record<string, unknown>,
): Promise<{ status: number; body: RunBody; headers: Headers }> {
  return api<RunBody>(server, 'POST', '/api/runs', body, {
    authorization: `Bearer ${await token({ sub: who, scope: 'runs:read runs:write' })}`,
    'idempotency-key': key,
  });
}

describe('Idempotency-Key', () => {
  it('is scoped per actor: two actors with the same key get their own runs, inputs and labels', async () => {
    const server = await jwtServer();
    const alice = await submit(server, 'alice', 'deploy-1', {
      pipeline: 'quick',
      input: 'alice secret',
      labels: { owner: 'alice' },
    });
    expect(alice.status).toBe(201);
    const bob = await submit(server, 'bob', 'deploy-1', {
      pipeline: 'quick',
      input: 'alice secret',
      labels: { owner: 'alice' },
    });
    expect(bob.status, JSON.stringify(bob.body)).toBe(201);
    expect(bob.body.id).not.toBe(alice.body.id);
    expect(bob.body.trigger).toEqual({ source: 'api', actor: 'bob' });
    // Bob's own different request under the same key is his business, not a reuse of Alice's.
    const carol = await submit(server, 'carol', 'deploy-1', { pipeline: 'needs', input: 'x' });
    expect(carol.status).toBe(201);
    expect(new Set([alice.body.id, bob.body.id, carol.body.id]).size).toBe(3);
  });

  it('the same actor, key and body: 200 with the first run; labels in another order are the same body', async () => {
    const server = await jwtServer();
    const body = { pipeline: 'quick', input: 'v1', labels: { a: '1', b: '2' } };
    const first = await submit(server, 'alice', 'k', body);
    expect(first.status).toBe(201);
    const again = await submit(server, 'alice', 'k', {
      pipeline: 'quick',
      input: 'v1',
      labels: { b: '2', a: '1' },
    });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers.get('location')).toBe(`/api/runs/${first.body.id}`);
    expect((await server.ctx.store.countByStatus()).queued).toBe(1);
  });

  it('the same key with a different body is 422 idempotency_key_reused, and creates nothing', async () => {
    const server = await jwtServer();
    const first = await submit(server, 'alice', 'k', { pipeline: 'quick', input: 'v1' });
    expect(first.status).toBe(201);
    for (const other of [
      { pipeline: 'quick', input: 'v2' },
      { pipeline: 'quick' },
      { pipeline: 'quick', input: 'v1', labels: { env: 'prod' } },
      { pipeline: 'needs', input: 'v1' },
    ]) {
      const error = expectError(await submit(server, 'alice', 'k', other), 422, 'idempotency_key_reused');
      expect(error.details).toEqual({ run_id: first.body.id });
    }
    expect((await server.ctx.store.countByStatus()).queued).toBe(1);
  });

  it('without authentication everyone is one actor: a different body under a used key is still 422', async () => {
    const server = await startTestServer(serverProject());
    await server.ctx.scheduler.stop();
    const headers = { 'idempotency-key': 'k' };
    const first = await api<RunBody>(server, 'POST', '/api/runs', { pipeline: 'quick' }, headers);
    expect(first.status).toBe(201);
    const same = await api<RunBody>(server, 'POST', '/api/runs', { pipeline: 'quick', input: '' }, headers);
    expect(same.status).toBe(200);
    expect(same.body.id).toBe(first.body.id);
    expectError(
      await api(server, 'POST', '/api/runs', { pipeline: 'quick', input: 'other' }, headers),
      422,
      'idempotency_key_reused',
    );
  });
});
