import { z } from 'zod';
import { parseDuration } from '../../pipeline/duration.js';
import { jwtSettings, mintToken } from '../../server/auth/jwt.js';
import { EXIT, ExitError } from '../exit.js';
import { type CliIO, out } from '../io.js';
import { openProject, ProjectFlags, parseFlags } from '../options.js';

const SCOPES = ['runs:read', 'runs:write', 'gates:answer', 'admin'] as const;

const TokenFlags = ProjectFlags.extend({
  sub: z.string().min(1, 'give --sub NAME: who the token is for'),
  scope: z
    .string()
    .default('runs:read')
    .transform((s) => s.split(/[\s,]+/).filter(Boolean))
    .pipe(z.array(z.enum(SCOPES, { error: `scopes are ${SCOPES.join(', ')}` })).min(1)),
  ttl: z
    .string()
    .default('24h')
    .transform((s, c) => {
      const ms = parseDuration(s);
      if (ms === undefined || ms < 1000) {
        c.addIssue({ code: 'custom', message: 'a duration such as 30m, 24h or 7d' });
        return z.NEVER;
      }
      return Math.floor(ms / 1000);
    }),
});

/** `wave token create --sub NAME [--scope S] [--ttl 24h]`: an HS256 token from the configured secret. */
export async function runTokenCreate(io: CliIO, raw: unknown): Promise<number> {
  const opts = parseFlags(TokenFlags, raw);
  const project = openProject(io, opts);
  let settings: ReturnType<typeof jwtSettings>;
  try {
    settings = jwtSettings(project.config);
  } catch (err) {
    throw new ExitError(EXIT.usage, (err as Error).message);
  }
  out(io, await mintToken(settings, { sub: opts.sub, scopes: opts.scope, ttlSeconds: opts.ttl }));
  return EXIT.ok;
}
