import { readFileSync } from 'node:fs';
import type { Config } from '../config/config.js';
import { WaveError } from '../errors.js';

/**
 * HTTPS options from `server.tls`. With `ca`, client certificates are required and verified
 * against it during the handshake (rejectUnauthorized stays true). The one exception is
 * `auth.mode: [jwt, mtls]` (either way in): then a client may come without a certificate, and
 * only certificates the CA verified count (socket.authorized is checked per request).
 */
export function httpsOptions(config: Config, resolve: (p: string) => string): Record<string, unknown> | null {
  const tls = config.server.tls;
  if (!tls.enabled) return null;
  if (!tls.cert || !tls.key)
    throw new WaveError(
      'invalid_config',
      'server.tls.enabled needs server.tls.cert and server.tls.key (PEM files)',
    );
  const read = (what: string, p: string) => {
    try {
      return readFileSync(resolve(p));
    } catch (err) {
      throw new WaveError(
        'invalid_config',
        `server.tls.${what}: cannot read ${p} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      );
    }
  };
  const options: Record<string, unknown> = {
    cert: read('cert', tls.cert),
    key: read('key', tls.key),
    minVersion: 'TLSv1.2',
  };
  if (tls.ca) {
    const modes = config.server.auth.modes;
    options.ca = read('ca', tls.ca);
    options.requestCert = true;
    options.rejectUnauthorized = !(modes.includes('jwt') && modes.includes('mtls'));
  }
  return options;
}
