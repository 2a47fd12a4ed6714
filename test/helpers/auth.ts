import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { type ReadResponse, readResponse } from './http-response.js';

export const SECRET = 'test-secret-that-is-long-enough-0123456789';

/** Signs a token with full control over its claims and header (for the negative cases). */
export async function token(
  claims: {
    sub?: string;
    scope?: string;
    exp?: number | null;
    nbf?: number;
    iss?: string;
    aud?: string;
  } = {},
  opts: { secret?: string; alg?: 'HS256' | 'HS384' | 'HS512' } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  let jwt = new SignJWT({
    ...(claims.scope !== undefined ? { scope: claims.scope } : { scope: 'admin' }),
  }).setProtectedHeader({
    alg: opts.alg ?? 'HS256',
  });
  if (claims.sub !== '') jwt = jwt.setSubject(claims.sub ?? 'alice');
  if (claims.exp !== null) jwt = jwt.setExpirationTime(claims.exp ?? now + 3600);
  if (claims.nbf !== undefined) jwt = jwt.setNotBefore(claims.nbf);
  if (claims.iss !== undefined) jwt = jwt.setIssuer(claims.iss);
  if (claims.aud !== undefined) jwt = jwt.setAudience(claims.aud);
  return jwt.sign(new TextEncoder().encode(opts.secret ?? SECRET));
}

/** `alg: none`: an unsigned token, which must never be accepted. */
export function unsignedToken(sub = 'mallory'): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub, scope: 'admin', exp: Math.floor(Date.now() / 1000) + 3600 })}.`;
}

export interface Pki {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  otherCert: string;
  otherKey: string;
}

/**
 * A CA, a server certificate for 127.0.0.1, a client certificate (CN=alice) and one from another
 * CA, in a folder that lives for the whole file (remove it with `rmSync(pki.dir)` in afterAll).
 */
export function makePki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'wave-pki-'));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ca = (name: string) => {
    ssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
    );
  };
  const leaf = (name: string, cn: string, caName: string, ext: string) => {
    ssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      `/CN=${cn}`,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
    );
    require_ext(dir, `${name}.ext`, ext);
    ssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${caName}.crt`,
      '-CAkey',
      `${caName}.key`,
      '-CAcreateserial',
      '-days',
      '2',
      '-out',
      `${name}.crt`,
      '-extfile',
      `${name}.ext`,
    );
  };
  ca('wave-ca');
  ca('other-ca');
  leaf(
    'server',
    'localhost',
    'wave-ca',
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth',
  );
  leaf('client', 'alice', 'wave-ca', 'extendedKeyUsage=clientAuth');
  leaf('other', 'mallory', 'other-ca', 'extendedKeyUsage=clientAuth');
  const p = (f: string) => join(dir, f);
  return {
    dir,
    ca: p('wave-ca.crt'),
    serverCert: p('server.crt'),
    serverKey: p('server.key'),
    clientCert: p('client.crt'),
    clientKey: p('client.key'),
    otherCert: p('other.crt'),
    otherKey: p('other.key'),
  };
}

function require_ext(dir: string, file: string, text: string): void {
  execFileSync('sh', ['-c', `printf '%s\\n' "$1" > "$2"`, 'sh', text, join(dir, file)]);
}

export type HttpsResult = ReadResponse;

/** An HTTPS request with an optional client certificate; rejects when the handshake fails. */
export function httpsCall(
  url: string,
  opts: {
    ca: string;
    cert?: string;
    key?: string;
    method?: string;
    body?: unknown;
    headers?: Record<string, string>;
  },
): Promise<HttpsResult> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method: opts.method ?? 'GET',
        ca: readFileSync(opts.ca),
        ...(opts.cert ? { cert: readFileSync(opts.cert) } : {}),
        ...(opts.key ? { key: readFileSync(opts.key) } : {}),
        headers: {
          ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...opts.headers,
        },
      },
      (res) => void readResponse(res).then(resolve, reject),
    );
    req.on('error', reject);
    req.end(opts.body !== undefined ? JSON.stringify(opts.body) : undefined);
  });
}
