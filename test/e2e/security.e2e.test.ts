import { jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { runWave } from '../helpers/cli.js';
import { tempProject } from '../helpers/tmp.js';

const SECRET = 'a-secret-of-at-least-thirty-two-bytes!!';
const JWT_YAML = 'server:\n  auth:\n    mode: jwt\n    jwt_secret: ${WAVE_JWT_SECRET}\n    issuer: wave\n';

describe('wave token create and wave serve with auth', () => {
  it('mints an HS256 token with sub, scopes, ttl and the configured issuer', async () => {
    const cwd = tempProject({ 'wave.yaml': JWT_YAML });
    const r = await runWave(
      ['token', 'create', '--sub', 'ci-bot', '--scope', 'runs:read runs:write', '--ttl', '2h'],
      {
        cwd,
        env: { WAVE_JWT_SECRET: SECRET },
      },
    );
    expect(r.code).toBe(0);
    const { payload, protectedHeader } = await jwtVerify(r.stdout.trim(), new TextEncoder().encode(SECRET), {
      issuer: 'wave',
    });
    expect(protectedHeader.alg).toBe('HS256');
    expect(payload).toMatchObject({ sub: 'ci-bot', scope: 'runs:read runs:write', iss: 'wave' });
    expect(payload.exp! - payload.iat!).toBe(7200);
  });

  it('explains what is missing: no secret, a short one, a bad scope, no --sub', async () => {
    const cwd = tempProject({ 'wave.yaml': JWT_YAML });
    const none = await runWave(['token', 'create', '--sub', 'x'], { cwd, env: { WAVE_JWT_SECRET: '' } });
    expect(none.code).toBe(2);
    const short = await runWave(['token', 'create', '--sub', 'x'], {
      cwd,
      env: { WAVE_JWT_SECRET: 'short' },
    });
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('HS256 needs at least 32');
    const scope = await runWave(['token', 'create', '--sub', 'x', '--scope', 'everything'], {
      cwd,
      env: { WAVE_JWT_SECRET: SECRET },
    });
    expect(scope.code).toBe(2);
    expect(scope.stderr).toContain('--scope');
    const noSub = await runWave(['token', 'create'], { cwd, env: { WAVE_JWT_SECRET: SECRET } });
    expect(noSub.code).toBe(2);
  });

  it('wave serve refuses to start with a short secret, saying why', async () => {
    const cwd = tempProject({ 'wave.yaml': JWT_YAML });
    const r = await runWave(['serve', '--port', '0'], { cwd, env: { WAVE_JWT_SECRET: 'too-short' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('server.auth.jwt_secret is 9 bytes; HS256 needs at least 32');
  });
});
