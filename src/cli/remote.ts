import { z } from 'zod';
import { WaveClient } from '../client/wave-client.js';
import type { CliIO } from './io.js';

/** `--server URL`, `--token T`, `--cert/--key/--ca` (CLI.md "Local and server modes"). */
export const RemoteFlags = z.object({
  server: z.string().min(1).optional(),
  token: z.string().min(1).optional(),
  cert: z.string().min(1).optional(),
  key: z.string().min(1).optional(),
  ca: z.string().min(1).optional(),
});
export type RemoteFlags = z.infer<typeof RemoteFlags>;

/** A client when `--server` or WAVE_SERVER is set (flags win over the environment), else null. */
export function remoteClient(io: CliIO, flags: RemoteFlags): WaveClient | null {
  const server = flags.server ?? io.env.WAVE_SERVER;
  if (!server) return null;
  const token = flags.token ?? io.env.WAVE_TOKEN;
  const cert = flags.cert ?? io.env.WAVE_CERT;
  const key = flags.key ?? io.env.WAVE_KEY;
  const ca = flags.ca ?? io.env.WAVE_CA;
  return new WaveClient({
    baseUrl: server,
    ...(token ? { token } : {}),
    tls: { ...(cert ? { cert } : {}), ...(key ? { key } : {}), ...(ca ? { ca } : {}) },
    clientName: 'cli',
    timeoutMs: 30_000,
  });
}
