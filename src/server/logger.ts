import pino, { type Logger as PinoLogger } from 'pino';

/** Paths that may hold credentials: never written to a log line. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'headers.authorization',
  'authorization',
  'req.headers.cookie',
  'token',
  'access_token',
  'jwt_secret',
  'secret',
  'config.server.auth.jwt_secret',
  '*.jwt_secret',
  '*.secret',
  '*.token',
  '*.authorization',
];

/** pino: pretty lines on a terminal, JSON lines otherwise (for log collectors). */
export function createServerLogger(opts: {
  level: string;
  pretty: boolean;
  destination?: NodeJS.WritableStream;
}): PinoLogger {
  const base = {
    level: opts.level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { pid: process.pid },
  };
  if (opts.pretty) {
    return pino({
      ...base,
      transport: {
        target: 'pino-pretty',
        options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' },
      },
    });
  }
  return opts.destination ? pino(base, opts.destination as pino.DestinationStream) : pino(base);
}
