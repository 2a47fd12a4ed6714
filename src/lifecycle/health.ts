import { readFileSync } from 'node:fs';
import { WaveClient } from '../client/wave-client.js';

export type Health = Awaited<ReturnType<WaveClient['health']>>;

/**
 * The server's URL as a client reaches it: a wildcard listen address (0.0.0.0, ::) becomes the
 * loopback address of the same family.
 */
export function connectableUrl(listenUrl: string): string {
  const url = new URL(listenUrl);
  if (url.hostname === '0.0.0.0') url.hostname = '127.0.0.1';
  if (url.hostname === '[::]') url.hostname = '[::1]';
  return url.origin;
}

/** The URL the server wrote once it listened, or null (not yet, or gone). */
export function readServerUrl(file: string): string | null {
  try {
    const text = readFileSync(file, 'utf8').trim();
    return text ? connectableUrl(text) : null;
  } catch {
    return null;
  }
}

/**
 * GET /api/health. It needs no credentials, but an mTLS server wants a client certificate in
 * the handshake and a private CA must be trusted: WAVE_CERT, WAVE_KEY, WAVE_CA as for --server.
 */
export function fetchHealth(
  url: string,
  env: Readonly<Record<string, string | undefined>>,
  timeoutMs = 5000,
): Promise<Health> {
  const tls = {
    ...(env.WAVE_CERT ? { cert: env.WAVE_CERT } : {}),
    ...(env.WAVE_KEY ? { key: env.WAVE_KEY } : {}),
    ...(env.WAVE_CA ? { ca: env.WAVE_CA } : {}),
  };
  return new WaveClient({ baseUrl: url, tls, clientName: 'cli', timeoutMs }).health();
}
