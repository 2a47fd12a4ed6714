import { describe, expect, it } from 'vitest';
import { loadProject } from '../../../src/config/load-project.js';
import { SECRET, token } from '../../helpers/auth.js';
import { api, startTestServer } from '../../helpers/server.js';
import { tempProject, yaml } from '../../helpers/tmp.js';

const delivery = (seq: number) => ({
  id: `d-${seq}`,
  notification: 'ops',
  eventSeq: seq,
  eventType: 'run_failed',
  runId: `run-${seq}`,
  url: 'https://hooks.example.com/wave',
  body: '{}',
});

describe('GET /api/notifications/deliveries', () => {
  it('lists deliveries newest first, filtered by status, for admins only', async () => {
    const server = await startTestServer(
      { 'wave.yaml': 'server:\n  auth:\n    mode: jwt\n    jwt_secret: ${WAVE_JWT_SECRET}\n' },
      { env: { WAVE_JWT_SECRET: SECRET } },
    );
    const d = server.ctx.store.deliveries;
    await d.enqueueDeliveries([delivery(1), delivery(2), delivery(3)], 3);
    const claimed = await d.claimDueDeliveries('me', Date.now() + 1000, 60_000, 2);
    expect(claimed.map((c) => c.id)).toEqual(['d-1', 'd-2']);
    await d.finishAttempt('d-1', 'me', { kind: 'failed', status: 410, error: 'HTTP 410' });
    await d.finishAttempt('d-2', 'me', { kind: 'delivered', status: 200 });

    const admin = { authorization: `Bearer ${await token({ scope: 'admin' })}` };
    const all = await api<{ deliveries: { id: string }[] }>(
      server,
      'GET',
      '/api/notifications/deliveries',
      undefined,
      admin,
    );
    expect(all.status).toBe(200);
    expect(all.body.deliveries.map((x) => x.id)).toEqual(['d-3', 'd-2', 'd-1']);

    const failed = await api<{ deliveries: unknown[] }>(
      server,
      'GET',
      '/api/notifications/deliveries?status=failed',
      undefined,
      admin,
    );
    expect(failed.body.deliveries).toEqual([
      {
        id: 'd-1',
        notification: 'ops',
        event: 'run_failed',
        event_seq: 1,
        run_id: 'run-1',
        url: 'https://hooks.example.com/wave',
        status: 'failed',
        attempts: 1,
        next_attempt_at: null,
        last_status: 410,
        last_error: 'HTTP 410',
        created_at: expect.any(String),
        finished_at: expect.any(String),
      },
    ]);
    const pending = await api<{ deliveries: { id: string; next_attempt_at: string }[] }>(
      server,
      'GET',
      '/api/notifications/deliveries?status=pending',
      undefined,
      admin,
    );
    expect(pending.body.deliveries.map((x) => x.id)).toEqual(['d-3']);
    expect(Date.parse(pending.body.deliveries[0]!.next_attempt_at)).not.toBeNaN();

    const bad = await api<{ error: { code: string } }>(
      server,
      'GET',
      '/api/notifications/deliveries?status=sent',
      undefined,
      admin,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_request');

    const reader = { authorization: `Bearer ${await token({ scope: 'runs:read runs:write' })}` };
    const refused = await api<{ error: { code: string } }>(
      server,
      'GET',
      '/api/notifications/deliveries',
      undefined,
      reader,
    );
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('forbidden');
    expect((await api(server, 'GET', '/api/notifications/deliveries')).status).toBe(401);
  });
});

describe('manifest: server.notifications and storage.retention', () => {
  it('reads both, with failed_runs falling back to runs and unset limits keeping everything', () => {
    const root = tempProject({
      'wave.yaml': yaml`
        server:
          notifications:
            - { name: ops, url: "https://hooks.example.com/x", events: [run_failed, gate_waiting], format: slack }
        storage:
          retention: { runs: 30d, logs: 14d }
      `,
    });
    const { config } = loadProject({ cwd: root, env: {} });
    expect(config.server.notifications).toEqual([
      {
        name: 'ops',
        url: 'https://hooks.example.com/x',
        events: ['run_failed', 'gate_waiting'],
        format: 'slack',
      },
    ]);
    expect(config.storage.retention).toEqual({
      runs_ms: 30 * 86_400_000,
      failed_runs_ms: 30 * 86_400_000,
      logs_ms: 14 * 86_400_000,
    });
    const bare = loadProject({ cwd: tempProject({}), env: {} }).config;
    expect(bare.storage.retention).toEqual({ runs_ms: null, failed_runs_ms: null, logs_ms: null });
    expect(bare.server.notifications).toEqual([]);
  });

  it('refuses a notification that is not http(s), names an unknown event, or repeats a name', () => {
    for (const [entry, what] of [
      ['{ name: a, url: "ftp://x.example.com/", events: [run_failed] }', 'url'],
      ['{ name: a, url: "https://x.example.com/", events: [run_started] }', 'events'],
    ] as const) {
      const root = tempProject({ 'wave.yaml': `server:\n  notifications:\n    - ${entry}\n` });
      expect(() => loadProject({ cwd: root, env: {} }), what).toThrow(
        new RegExp(`notifications.*${what}`, 's'),
      );
    }
    const twice = tempProject({
      'wave.yaml':
        'server:\n  notifications:\n    - { name: a, url: "https://x.example.com/", events: [run_failed] }\n    - { name: a, url: "https://y.example.com/", events: [run_failed] }\n',
    });
    expect(() => loadProject({ cwd: twice, env: {} })).toThrow(/unique/);
  });
});
