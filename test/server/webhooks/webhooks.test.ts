import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { eventually } from '../../helpers/eventually.js';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { yaml } from '../../helpers/tmp.js';

const GH_SECRET = 'gh-webhook-secret-value';
const GL_SECRET = 'gl-webhook-token-value';

const FILES = {
  'wave.yaml': yaml`
    server:
      webhooks:
        github:
          secret: \${GH_SECRET}
          triggers:
            - { event: push, branches: [main, "release/*"], pipeline: echo, input: "push {{ payload.head_commit.id }} by {{ payload.pusher.name }}", labels: { kind: push } }
            - { event: pull_request, actions: [opened, synchronize], branches: [main], pipeline: echo, input: "pr {{ payload.number }}" }
        gitlab:
          secret: \${GL_SECRET}
          triggers:
            - { event: Merge Request Hook, actions: [open], branches: [main], pipeline: echo, input: "mr {{ payload.object_attributes.iid }}" }
  `,
  '.wave/pipelines/echo.yaml':
    'kind: WavePipeline\nsteps:\n  - id: say\n    type: command\n    script: echo {{ input }}\n',
};
const ENV = { GH_SECRET, GL_SECRET };

function github(
  server: TestServer,
  event: string,
  payload: unknown,
  opts: { delivery?: string; secret?: string; signature?: string | null } = {},
) {
  const body = JSON.stringify(payload);
  const signature =
    opts.signature === undefined
      ? `sha256=${createHmac('sha256', opts.secret ?? GH_SECRET)
          .update(body)
          .digest('hex')}`
      : opts.signature;
  return api<{ runs: string[]; duplicate?: boolean; error?: { code: string } }>(
    server,
    'POST',
    '/api/webhooks/github',
    body,
    {
      'x-github-event': event,
      ...(opts.delivery ? { 'x-github-delivery': opts.delivery } : {}),
      ...(signature !== null ? { 'x-hub-signature-256': signature } : {}),
    },
  );
}

const push = (branch: string, id = 'abc123') => ({
  ref: `refs/heads/${branch}`,
  head_commit: { id },
  pusher: { name: 'octocat' },
  sender: { login: 'octocat' },
});

describe('webhooks', () => {
  it('GitHub: a valid signature creates a run with the templated input, the sender as actor', async () => {
    const server = await startTestServer(FILES, { env: ENV });
    const res = await github(server, 'push', push('main'), { delivery: 'd-1' });
    expect(res.status).toBe(202);
    expect(res.body.runs).toHaveLength(1);
    const run = await api<{
      input: string;
      trigger: { source: string; actor: string };
      labels: Record<string, string>;
    }>(server, 'GET', `/api/runs/${res.body.runs[0]}`);
    expect(run.body.input).toBe('push abc123 by octocat');
    expect(run.body.trigger).toEqual({ source: 'webhook', actor: 'octocat' });
    expect(run.body.labels).toMatchObject({ kind: 'push', webhook: 'github', webhook_event: 'push' });
    await eventually(
      async () =>
        (await api<{ status: string }>(server, 'GET', `/api/runs/${res.body.runs[0]}`)).body.status ===
        'completed',
    );
  });

  it('GitHub: a wrong or missing signature is 401 and creates nothing', async () => {
    const server = await startTestServer(FILES, { env: ENV });
    const wrong = await github(server, 'push', push('main'), { secret: 'not-the-secret' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error?.code).toBe('unauthorized');
    const missing = await github(server, 'push', push('main'), { signature: null });
    expect(missing.status).toBe(401);
    const garbage = await github(server, 'push', push('main'), { signature: 'sha256=00' });
    expect(garbage.status).toBe(401);
    // The signature covers the raw body: the same JSON re-serialised differently does not verify.
    const body = JSON.stringify(push('main'));
    const sig = `sha256=${createHmac('sha256', GH_SECRET).update(body).digest('hex')}`;
    const tampered = await api(server, 'POST', '/api/webhooks/github', `${body} `, {
      'x-github-event': 'push',
      'x-hub-signature-256': sig,
    });
    expect(tampered.status).toBe(401);
    const list = await api<{ runs: unknown[] }>(server, 'GET', '/api/runs');
    expect(list.body.runs).toHaveLength(0);
  });

  it('filters by event, action and branch', async () => {
    const server = await startTestServer(FILES, { env: ENV });
    expect((await github(server, 'push', push('feature/x'))).body).toEqual({ runs: [] });
    expect((await github(server, 'push', push('release/1.2'))).body.runs).toHaveLength(1);
    expect((await github(server, 'push', { ...push('main'), ref: 'refs/tags/v1' })).body).toEqual({
      runs: [],
    });
    const pr = (action: string, base: string) => ({
      action,
      number: 7,
      pull_request: { base: { ref: base } },
      sender: { login: 'dev' },
    });
    expect((await github(server, 'pull_request', pr('opened', 'main'))).status).toBe(202);
    expect((await github(server, 'pull_request', pr('closed', 'main'))).body).toEqual({ runs: [] });
    expect((await github(server, 'pull_request', pr('opened', 'develop'))).body).toEqual({ runs: [] });
    expect((await github(server, 'ping', { zen: 'hi' })).body).toEqual({ runs: [] });
  });

  it('a redelivery creates nothing, before and after a restart', async () => {
    const server = await startTestServer(FILES, { env: ENV });
    const first = await github(server, 'push', push('main'), { delivery: 'same-delivery' });
    expect(first.status).toBe(202);
    const again = await github(server, 'push', push('main'), { delivery: 'same-delivery' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ runs: [], duplicate: true });
    const root = server.root;
    await server.close();
    const restarted = await startTestServer({}, { env: ENV, root });
    const later = await github(restarted, 'push', push('main'), { delivery: 'same-delivery' });
    expect(later.body).toEqual({ runs: [], duplicate: true });
    const fresh = await github(restarted, 'push', push('main'), { delivery: 'another-delivery' });
    expect(fresh.status).toBe(202);
    const list = await api<{ runs: unknown[] }>(restarted, 'GET', '/api/runs');
    expect(list.body.runs).toHaveLength(2);
  });

  it('GitLab: X-Gitlab-Token, merge request filters, event UUID dedupe', async () => {
    const server = await startTestServer(FILES, { env: ENV });
    const mr = {
      object_kind: 'merge_request',
      user: { username: 'gitlab-user' },
      object_attributes: { iid: 12, action: 'open', target_branch: 'main' },
    };
    const send = (token: string | null, uuid?: string, payload: unknown = mr) =>
      api<{ runs: string[]; duplicate?: boolean }>(server, 'POST', '/api/webhooks/gitlab', payload, {
        'x-gitlab-event': 'Merge Request Hook',
        ...(token !== null ? { 'x-gitlab-token': token } : {}),
        ...(uuid ? { 'x-gitlab-event-uuid': uuid } : {}),
      });
    expect((await send('wrong')).status).toBe(401);
    expect((await send(null)).status).toBe(401);
    const ok = await send(GL_SECRET, 'u-1');
    expect(ok.status).toBe(202);
    const run = await api<{ input: string; trigger: { actor: string } }>(
      server,
      'GET',
      `/api/runs/${ok.body.runs[0]}`,
    );
    expect(run.body).toMatchObject({ input: 'mr 12', trigger: { actor: 'gitlab-user' } });
    expect((await send(GL_SECRET, 'u-1')).body).toEqual({ runs: [], duplicate: true });
    const closed = { ...mr, object_attributes: { ...mr.object_attributes, action: 'close' } };
    expect((await send(GL_SECRET, 'u-2', closed)).body).toEqual({ runs: [] });
  });

  it('a provider that is not configured is 404; a trigger naming an unknown pipeline refuses to start', async () => {
    const server = await startTestServer({});
    const res = await api<{ error: { code: string } }>(
      server,
      'POST',
      '/api/webhooks/github',
      { a: 1 },
      { 'x-github-event': 'push' },
    );
    expect(res.status).toBe(404);
    await expect(
      startTestServer({
        'wave.yaml':
          'server:\n  webhooks:\n    github:\n      secret: s\n      triggers: [ { event: push, pipeline: helo } ]\n',
      }),
    ).rejects.toThrow(/unknown pipeline "helo" \(did you mean "hello"\?\)/);
  });
});
