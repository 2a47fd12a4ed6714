import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpsCall, makePki, type Pki, SECRET, token } from '../../helpers/auth.js';
import { startTestServer } from '../../helpers/server.js';
import { yaml } from '../../helpers/tmp.js';

let pki: Pki;
beforeAll(() => {
  pki = makePki();
});
afterAll(() => rmSync(pki.dir, { recursive: true, force: true }));

function tlsConfig(mode: string): string {
  return yaml`
    server:
      auth:
        mode: ${mode}
        jwt_secret: ${SECRET}
      tls:
        enabled: true
        cert: ${pki.serverCert}
        key: ${pki.serverKey}
        ca: ${pki.ca}
  `;
}

describe('TLS and mTLS', () => {
  it('mtls: a good client certificate gets in with its CN as the actor', async () => {
    const server = await startTestServer({ 'wave.yaml': tlsConfig('mtls') });
    expect(server.url).toMatch(/^https:/);
    const res = await httpsCall(`${server.url}/api/runs`, {
      ca: pki.ca,
      cert: pki.clientCert,
      key: pki.clientKey,
      method: 'POST',
      body: { pipeline: 'hello' },
    });
    expect(res.status).toBe(201);
    expect((res.body as { trigger: { actor: string } }).trigger).toEqual({ source: 'api', actor: 'alice' });
  });

  it('mtls: no certificate, or one from another CA, is refused at the handshake', async () => {
    const server = await startTestServer({ 'wave.yaml': tlsConfig('mtls') });
    await expect(httpsCall(`${server.url}/api/runs`, { ca: pki.ca })).rejects.toThrow();
    await expect(
      httpsCall(`${server.url}/api/runs`, { ca: pki.ca, cert: pki.otherCert, key: pki.otherKey }),
    ).rejects.toThrow();
  });

  it('[jwt, mtls]: the first method that succeeds wins; neither is 401', async () => {
    const server = await startTestServer({ 'wave.yaml': tlsConfig('[jwt, mtls]') });
    const byCert = await httpsCall(`${server.url}/api/runs`, {
      ca: pki.ca,
      cert: pki.clientCert,
      key: pki.clientKey,
      method: 'POST',
      body: { pipeline: 'hello' },
    });
    expect((byCert.body as { trigger: { actor: string } }).trigger.actor).toBe('alice');
    const t = await token({ sub: 'bob' });
    const byToken = await httpsCall(`${server.url}/api/runs`, {
      ca: pki.ca,
      method: 'POST',
      body: { pipeline: 'hello' },
      headers: { authorization: `Bearer ${t}` },
    });
    expect(byToken.status).toBe(201);
    expect((byToken.body as { trigger: { actor: string } }).trigger.actor).toBe('bob');
    const neither = await httpsCall(`${server.url}/api/runs`, { ca: pki.ca });
    expect(neither.status).toBe(401);
    expect((neither.body as { error: { code: string } }).error.code).toBe('unauthorized');
    // A certificate from another CA is not an identity: without a token it is refused.
    const foreign = await httpsCall(`${server.url}/api/runs`, {
      ca: pki.ca,
      cert: pki.otherCert,
      key: pki.otherKey,
    });
    expect(foreign.status).toBe(401);
  });

  it('health stays open over TLS, and HTTP is not served on the TLS port', async () => {
    const server = await startTestServer({ 'wave.yaml': tlsConfig('[jwt, mtls]') });
    const health = await httpsCall(`${server.url}/api/health`, { ca: pki.ca });
    expect(health.status).toBe(200);
    await expect(fetch(server.url.replace('https:', 'http:') + '/api/health')).rejects.toThrow();
  });

  it('refuses mtls without a CA, and unreadable TLS files, saying what to fix', async () => {
    await expect(startTestServer({ 'wave.yaml': 'server:\n  auth:\n    mode: mtls\n' })).rejects.toThrow(
      /mtls needs server.tls enabled with cert, key and ca/,
    );
    await expect(
      startTestServer({
        'wave.yaml': 'server:\n  tls:\n    enabled: true\n    cert: missing.crt\n    key: missing.key\n',
      }),
    ).rejects.toThrow(/server.tls.cert: cannot read missing.crt/);
  });
});
