import { resolve } from 'node:path';
import { z } from 'zod';
import { intFlag, ProjectFlags } from '../options.js';

/** The flags of `wave serve`, which `wave server start` takes too and hands on. */
export const ServeFlags = ProjectFlags.extend({
  host: z.string().min(1).optional(),
  port: intFlag(0, 65535).optional(),
  bind: z.string().min(1).optional(),
  maxConcurrent: intFlag(1, 1000).optional(),
  role: z.enum(['all', 'api', 'worker']).optional(),
  mock: z.boolean().optional(),
  insecure: z.boolean().optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
});
export type ServeFlags = z.infer<typeof ServeFlags>;

/** The serve flags as arguments again (paths made absolute: the server runs elsewhere). */
export function serveFlagArgs(opts: ServeFlags, cwd: string): string[] {
  return [
    ...(opts.config ? ['--config', resolve(cwd, opts.config)] : []),
    ...(opts.host ? ['--host', opts.host] : []),
    ...(opts.port !== undefined ? ['--port', String(opts.port)] : []),
    ...(opts.bind ? ['--bind', opts.bind] : []),
    ...(opts.maxConcurrent ? ['--max-concurrent', String(opts.maxConcurrent)] : []),
    ...(opts.role ? ['--role', opts.role] : []),
    ...(opts.mock ? ['--mock'] : []),
    ...(opts.insecure ? ['--insecure'] : []),
    ...(opts.logLevel ? ['--log-level', opts.logLevel] : []),
  ];
}
