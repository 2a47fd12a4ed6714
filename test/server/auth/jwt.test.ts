import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { SECRET, token, unsignedToken } from '../../helpers/auth.js';
import { api, openSse, startTestServer, type TestServer } from '../../helpers/server.js';
import { yaml } from '../../helpers/tmp.js';

const GATED = yaml`
  kind: WavePipeline
  steps:
    - id: ask
      gate: { prompt: "ok?" }
    - id: after
      dependencies: [ask]
      type: command
      script: echo done
`;

function jwtServer(extra = ''): Promise<TestServer> {
  return startTestServer(
    {
      'wave.yaml': `server:\n  auth:\n    mode: jwt\n    jwt_secret: \${WAVE_JWT_SECRET}\n${extra}`,
      '.wave/pipelines/gated.yaml': GATED,
    },
    { env: { WAVE_JWT_SECRET: SECRET } },
  );
}

type ErrorBody = { error: { code: string; message: string } };

async function expectStatus(
  server: TestServer,
  auth: string | undefined,
  status: number,
  code?: string,
  path = '/api/runs',
) {
  const res = await api<ErrorBody>(
    server,
    'GET',
    path,
    undefined,
    auth === undefined ? {} : { authorization: auth },
  );
  expect(res.status, `${auth} → ${JSON.stringify(res.body)}`).toBe(status);
  if (code) expect(res.body.error.code).toBe(code);
  if (status === 401) expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
  return res;
}

describe('JWT authentication', () => {
  it('the matrix: every bad credential is 401 unauthorized with WWW-Authenticate: Bearer', async () => {
    const server = await jwtServer('    issuer: wave-tests\n    audience: wave-api\n');
    const now = Math.floor(Date.now() / 1000);
    const good = await token({ iss: 'wave-tests', aud: 'wave-api' });
    await expectStatus(server, `Bearer ${good}`, 200);
    const cases: [string, string | undefined][] = [
      ['no token', undefined],
      ['malformed header', `Token ${good}`],
      ['no token after Bearer', 'Bearer'],
      ['garbage token', 'Bearer not.a.jwt'],
      [
        'wrong secret',
        `Bearer ${await token({ iss: 'wave-tests', aud: 'wave-api' }, { secret: 'another-secret-that-is-long-enough-987654' })}`,
      ],
      ['alg none', `Bearer ${unsignedToken()}`],
      [
        'another algorithm than the pinned one',
        `Bearer ${await token({ iss: 'wave-tests', aud: 'wave-api' }, { alg: 'HS512' })}`,
      ],
      ['expired', `Bearer ${await token({ exp: now - 3600, iss: 'wave-tests', aud: 'wave-api' })}`],
      ['not yet valid', `Bearer ${await token({ nbf: now + 3600, iss: 'wave-tests', aud: 'wave-api' })}`],
      ['no exp', `Bearer ${await token({ exp: null, iss: 'wave-tests', aud: 'wave-api' })}`],
      ['wrong issuer', `Bearer ${await token({ iss: 'someone-else', aud: 'wave-api' })}`],
      ['wrong audience', `Bearer ${await token({ iss: 'wave-tests', aud: 'other-api' })}`],
      ['no sub', `Bearer ${await token({ sub: '', iss: 'wave-tests', aud: 'wave-api' })}`],
    ];
    for (const [what, auth] of cases) {
      const res = await expectStatus(server, auth, 401, 'unauthorized');
      expect(res.body.error.message.length, what).toBeGreaterThan(10);
    }
    const expired = await expectStatus(server, cases[7]![1], 401);
    expect(expired.body.error.message).toContain('expired');
  });

  it('honours a small clock tolerance', async () => {
    const server = await jwtServer();
    const now = Math.floor(Date.now() / 1000);
    await expectStatus(server, `Bearer ${await token({ exp: now - 5 })}`, 200);
    await expectStatus(server, `Bearer ${await token({ nbf: now + 5 })}`, 200);
  });

  it('enforces scopes per route family with 403 forbidden', async () => {
    const server = await jwtServer();
    const read = `Bearer ${await token({ scope: 'runs:read' })}`;
    const write = `Bearer ${await token({ scope: 'runs:write' })}`;
    const none = `Bearer ${await token({ scope: '' })}`;

    const reads = ['/api/runs', '/api/pipelines', '/api/pipelines/gated', '/api/personas', '/metrics'];
    for (const path of reads) {
      await expectStatus(server, read, 200, undefined, path);
      const res = await expectStatus(server, none, 403, 'forbidden', path);
      expect(res.body.error.message).toContain('runs:read');
    }
    const denied = await api<ErrorBody>(
      server,
      'POST',
      '/api/runs',
      { pipeline: 'gated' },
      { authorization: read },
    );
    expect(denied.status).toBe(403);
    expect(denied.body.error.message).toContain('runs:write');
    const created = await api<{ id: string; trigger: { actor: string } }>(
      server,
      'POST',
      '/api/runs',
      { pipeline: 'gated' },
      { authorization: write },
    );
    expect(created.status).toBe(201);
    const id = created.body.id;
    const noGate = await api<ErrorBody>(
      server,
      'POST',
      `/api/runs/${id}/gate/ask`,
      { choice: 'approve' },
      { authorization: write },
    );
    expect(noGate.status).toBe(403);
    expect(noGate.body.error.code).toBe('forbidden');
    const noCancel = await api<ErrorBody>(server, 'POST', `/api/runs/${id}/cancel`, undefined, {
      authorization: read,
    });
    expect(noCancel.status).toBe(403);
    // Health and the OpenAPI document need no credentials.
    expect((await api(server, 'GET', '/api/health')).status).toBe(200);
    expect((await api(server, 'GET', '/api/openapi.json')).status).toBe(200);
    const sse = await openSse(server, `/api/runs/${id}/events`);
    expect(sse.status).toBe(401);
    sse.close();
  });

  it('records sub as the actor of a run trigger, a gate answer and a cancel', async () => {
    const server = await jwtServer();
    const alice = { authorization: `Bearer ${await token({ sub: 'alice', scope: 'runs:write runs:read' })}` };
    const bob = { authorization: `Bearer ${await token({ sub: 'bob', scope: 'gates:answer runs:read' })}` };
    const carol = { authorization: `Bearer ${await token({ sub: 'carol', scope: 'admin' })}` };
    const run = await api<{ id: string; trigger: { source: string; actor: string } }>(
      server,
      'POST',
      '/api/runs',
      { pipeline: 'gated' },
      alice,
    );
    expect(run.body.trigger).toEqual({ source: 'api', actor: 'alice' });
    const id = run.body.id;
    for (let i = 0; i < 100; i++) {
      const d = await api<{ status: string }>(server, 'GET', `/api/runs/${id}`, undefined, alice);
      if (d.body.status === 'waiting') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const answer = await api<{ answer: { by: string } }>(
      server,
      'POST',
      `/api/runs/${id}/gate/ask`,
      { approved: true },
      bob,
    );
    expect(answer.status).toBe(200);
    expect(answer.body.answer.by).toBe('bob');
    const second = await api<{ id: string }>(server, 'POST', '/api/runs', { pipeline: 'gated' }, alice);
    const cancel = await api(server, 'POST', `/api/runs/${second.body.id}/cancel`, undefined, carol);
    expect(cancel.status).toBe(202);
    const events = await fetch(`${server.url}/api/runs/${second.body.id}/events`, { headers: carol }).then(
      (r) => r.text(),
    );
    expect(events).toMatch(/"type":"run_cancelled"[^\n]*"by":"carol"/);
  });

  it('accepts access_token only on the two SSE routes', async () => {
    const server = await jwtServer();
    const t = await token({ scope: 'runs:read' });
    const onRuns = await api<ErrorBody>(server, 'GET', `/api/runs?access_token=${t}`);
    expect(onRuns.status).toBe(401);
    expect(onRuns.body.error.code).toBe('unauthorized');
    const sse = await openSse(server, `/api/events?access_token=${t}`);
    expect(sse.status).toBe(200);
    sse.close();
    const bad = await openSse(server, '/api/events?access_token=nope');
    expect(bad.status).toBe(401);
    bad.close();
  });

  it('EdDSA with a public key: accepts Ed25519 tokens, refuses HS256 ones', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const server = await startTestServer(
      {
        'wave.yaml': `server:\n  auth:\n    mode: jwt\n    jwt_public_key: |\n${pem
          .trim()
          .split('\n')
          .map((l) => `      ${l}`)
          .join('\n')}\n`,
      },
      {},
    );
    const ed = await new SignJWT({ scope: 'runs:read' })
      .setProtectedHeader({ alg: 'EdDSA' })
      .setSubject('dave')
      .setExpirationTime('1h')
      .sign(privateKey);
    await expectStatus(server, `Bearer ${ed}`, 200);
    await expectStatus(server, `Bearer ${await token()}`, 401, 'unauthorized');
  });

  it("EdDSA: accepts RFC 9864's alg name Ed25519 too; other algorithms and other keys stay refused", async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const server = await startTestServer({
      'wave.yaml': `server:\n  auth:\n    mode: jwt\n    jwt_public_key: |\n${pem
        .trim()
        .split('\n')
        .map((l) => `      ${l}`)
        .join('\n')}\n`,
    });
    const sign = (alg: string, key = privateKey) =>
      new SignJWT({ scope: 'runs:read' })
        .setProtectedHeader({ alg })
        .setSubject('erin')
        .setExpirationTime('1h')
        .sign(key);
    await expectStatus(server, `Bearer ${await sign('Ed25519')}`, 200);
    await expectStatus(server, `Bearer ${await sign('EdDSA')}`, 200);
    // Signed by another Ed25519 key, or with an ECDSA key: refused.
    await expectStatus(
      server,
      `Bearer ${await sign('Ed25519', generateKeyPairSync('ed25519').privateKey)}`,
      401,
    );
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    await expectStatus(server, `Bearer ${await sign('ES256', ec)}`, 401, 'unauthorized');
    // An Ed25519 header on an HMAC-signed token does not pass for one.
    const forged = (await token()).split('.');
    const header = Buffer.from(JSON.stringify({ alg: 'Ed25519' })).toString('base64url');
    await expectStatus(server, `Bearer ${header}.${forged[1]}.${forged[2]}`, 401, 'unauthorized');
  });

  it('refuses to start with a short secret, or with both a secret and a public key, saying why', async () => {
    await expect(
      startTestServer({ 'wave.yaml': 'server:\n  auth:\n    mode: jwt\n    jwt_secret: too-short\n' }),
    ).rejects.toThrow(/9 bytes; HS256 needs at least 32/);
    await expect(startTestServer({ 'wave.yaml': 'server:\n  auth:\n    mode: jwt\n' })).rejects.toThrow(
      /needs server.auth.jwt_secret/,
    );
    await expect(
      startTestServer({
        'wave.yaml': `server:\n  auth:\n    mode: jwt\n    jwt_secret: ${SECRET}\n    jwt_public_key: x\n`,
      }),
    ).rejects.toThrow(/both jwt_secret and jwt_public_key/);
  });
});
