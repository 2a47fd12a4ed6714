import type { Diagnostic } from '../pipeline/diagnostics.js';
import { parseDuration } from '../pipeline/duration.js';
import { parseBind } from './bind.js';
import { BUILTIN_ADAPTERS, type Config, DEFAULT_HOST, DEFAULT_PORT } from './config.js';
import type { Env } from './interpolate.js';
import type { AuthModeName, Manifest, Scope } from './manifest-schema.js';

/** Command-line flags that override configuration (CLI.md). */
export interface ConfigFlags {
  host?: string;
  port?: number;
  bind?: string;
  maxConcurrent?: number;
  mock?: boolean;
  insecure?: boolean;
  logLevel?: string;
}

export interface ConfigSources {
  /** The validated wave.yaml (project's or built-in); `{}` when there is none. */
  file: Manifest;
  env: Env;
  flags: ConfigFlags;
}

/**
 * `WAVE_*` variables that override wave.yaml. Only these names are read: WAVE_INPUT, WAVE_RUN_ID
 * and friends belong to steps, WAVE_SERVER / WAVE_TOKEN to the client.
 */
export const ENV_OVERRIDES = {
  WAVE_BIND: 'server.bind',
  WAVE_HOST: 'server.bind (host part)',
  WAVE_PORT: 'server.bind (port part)',
  WAVE_MAX_CONCURRENT: 'server.max_concurrent',
  WAVE_RECOVERY: 'server.recovery',
  WAVE_LOG_LEVEL: 'server.log_level',
  WAVE_AUTH_MODE: 'server.auth.mode (comma-separated)',
  WAVE_JWT_SECRET: 'server.auth.jwt_secret',
  WAVE_JWT_PUBLIC_KEY: 'server.auth.jwt_public_key',
  WAVE_JWT_ISSUER: 'server.auth.issuer',
  WAVE_JWT_AUDIENCE: 'server.auth.audience',
  WAVE_TLS_CERT: 'server.tls.cert',
  WAVE_TLS_KEY: 'server.tls.key',
  WAVE_TLS_CA: 'server.tls.ca',
  WAVE_CORS_ORIGINS: 'server.cors.origins (comma-separated)',
  WAVE_BODY_LIMIT: 'server.body_limit',
  WAVE_SHUTDOWN_GRACE: 'server.shutdown_grace',
  WAVE_STORAGE_PATH: 'storage.path',
  WAVE_STORAGE_URL: 'storage.url',
  WAVE_WORKSPACE_ROOT: 'runtime.workspace_root',
  WAVE_MAX_CONCURRENT_WORKERS: 'runtime.max_concurrent_workers',
  WAVE_DEFAULT_TIMEOUT_MINUTES: 'runtime.default_timeout_minutes',
} as const;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const AUTH_MODES: AuthModeName[] = ['none', 'jwt', 'mtls'];

/**
 * Merges built-in defaults < wave.yaml < WAVE_* environment < flags into one Config.
 * Pure: no file or process access, so every rule is unit-tested directly.
 */
export function parseConfig(sources: ConfigSources): { config: Config; diagnostics: Diagnostic[] } {
  const { file, env, flags } = sources;
  const diagnostics: Diagnostic[] = [];
  const envError = (name: string, message: string) =>
    diagnostics.push({ severity: 'error', file: 'environment', line: null, path: name, message });

  const envInt = (name: keyof typeof ENV_OVERRIDES, min: number, max: number): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      envError(name, `expected a whole number from ${min} to ${max}, got "${raw}"`);
      return undefined;
    }
    return n;
  };
  const envStr = (name: keyof typeof ENV_OVERRIDES): string | undefined => {
    const raw = env[name];
    return raw === undefined || raw === '' ? undefined : raw;
  };
  const envList = (name: keyof typeof ENV_OVERRIDES): string[] | undefined =>
    envStr(name)
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);

  // bind: file, then WAVE_BIND, WAVE_HOST/WAVE_PORT, then --bind, --host/--port.
  let host = DEFAULT_HOST;
  let port = DEFAULT_PORT;
  const applyBind = (bind: string | undefined, label: string) => {
    if (bind === undefined) return;
    const parsed = parseBind(bind);
    if (!parsed) {
      diagnostics.push({
        severity: 'error',
        file: label,
        line: null,
        path: label === 'environment' ? 'WAVE_BIND' : 'server.bind',
        message: `"${bind}" is not host:port`,
      });
      return;
    }
    host = parsed.host ?? host;
    port = parsed.port ?? port;
  };
  applyBind(file.server?.bind, 'wave.yaml');
  applyBind(envStr('WAVE_BIND'), 'environment');
  host = envStr('WAVE_HOST') ?? host;
  port = envInt('WAVE_PORT', 0, 65535) ?? port;
  applyBind(flags.bind, '--bind');
  host = flags.host ?? host;
  port = flags.port ?? port;

  const recoveryEnv = envStr('WAVE_RECOVERY');
  if (recoveryEnv !== undefined && recoveryEnv !== 'resume' && recoveryEnv !== 'fail') {
    envError('WAVE_RECOVERY', `expected "resume" or "fail", got "${recoveryEnv}"`);
  }
  const logLevelEnv = envStr('WAVE_LOG_LEVEL');
  if (logLevelEnv !== undefined && !LOG_LEVELS.includes(logLevelEnv)) {
    envError('WAVE_LOG_LEVEL', `expected one of ${LOG_LEVELS.join(', ')}, got "${logLevelEnv}"`);
  }
  let modes = toModes(file.server?.auth?.mode);
  const modeEnv = envList('WAVE_AUTH_MODE');
  if (modeEnv) {
    const bad = modeEnv.filter((m) => !AUTH_MODES.includes(m as AuthModeName));
    if (bad.length)
      envError('WAVE_AUTH_MODE', `unknown mode ${bad.join(', ')}; expected ${AUTH_MODES.join(', ')}`);
    else modes = modeEnv as AuthModeName[];
  }
  const durationMs = (
    name: keyof typeof ENV_OVERRIDES,
    fileValue: string | number | undefined,
    fallback: number,
  ) => {
    const raw = envStr(name);
    if (raw !== undefined) {
      const ms = parseDuration(raw);
      if (ms === undefined) envError(name, `"${raw}" is not a duration (e.g. 10s, 1m)`);
      else return ms;
    }
    return fileValue === undefined ? fallback : (parseDuration(fileValue) ?? fallback);
  };

  const timeouts = file.runtime?.timeouts;
  const server = file.server ?? {};
  const defaultTimeoutMinutes =
    envInt('WAVE_DEFAULT_TIMEOUT_MINUTES', 1, 100_000) ??
    file.runtime?.default_timeout_minutes ??
    timeouts?.step_default_minutes ??
    30;

  // `url: ${WAVE_STORAGE_URL:-}` in wave.yaml interpolates to '' when the variable is unset.
  const storageUrl = envStr('WAVE_STORAGE_URL') ?? (file.storage?.url || null);
  const config: Config = {
    name: file.metadata?.name ?? 'wave-project',
    description: file.metadata?.description ?? '',
    forge: file.metadata?.forge ?? null,
    project: file.project ?? {},
    adapters: {
      ...BUILTIN_ADAPTERS,
      ...Object.fromEntries(
        Object.entries(file.adapters ?? {}).map(([name, a]) => [name, { ...a, binary: a.binary ?? name }]),
      ),
    },
    personas: file.personas ?? {},
    runtime: {
      workspace_root: envStr('WAVE_WORKSPACE_ROOT') ?? file.runtime?.workspace_root ?? '.wave/workspaces',
      default_timeout_ms: defaultTimeoutMinutes * 60_000,
      max_concurrent_workers:
        envInt('WAVE_MAX_CONCURRENT_WORKERS', 1, 256) ?? file.runtime?.max_concurrent_workers ?? 4,
      process_grace_ms:
        timeouts?.process_grace_seconds !== undefined
          ? timeouts.process_grace_seconds * 1000
          : server.cancel_grace !== undefined
            ? (parseDuration(server.cancel_grace) ?? 10_000)
            : 10_000,
      gate_timeout_ms:
        timeouts?.gate_approval_hours !== undefined ? timeouts.gate_approval_hours * 3_600_000 : null,
    },
    server: {
      host,
      port,
      max_concurrent:
        flags.maxConcurrent ?? envInt('WAVE_MAX_CONCURRENT', 1, 1000) ?? server.max_concurrent ?? 5,
      recovery:
        (recoveryEnv === 'fail' || recoveryEnv === 'resume' ? recoveryEnv : undefined) ??
        server.recovery ??
        'resume',
      body_limit: envInt('WAVE_BODY_LIMIT', 1024, 1 << 30) ?? server.body_limit ?? 1024 * 1024,
      shutdown_grace_ms: durationMs('WAVE_SHUTDOWN_GRACE', server.shutdown_grace, 10_000),
      cancel_grace_ms:
        server.cancel_grace === undefined ? 10_000 : (parseDuration(server.cancel_grace) ?? 10_000),
      log_level:
        flags.logLevel ??
        (logLevelEnv && LOG_LEVELS.includes(logLevelEnv) ? logLevelEnv : undefined) ??
        server.log_level ??
        'info',
      insecure: flags.insecure ?? false,
      mock: flags.mock ?? false,
      auth: {
        modes,
        jwt_secret: envStr('WAVE_JWT_SECRET') ?? server.auth?.jwt_secret ?? '',
        jwt_public_key: envStr('WAVE_JWT_PUBLIC_KEY') ?? server.auth?.jwt_public_key ?? '',
        issuer: envStr('WAVE_JWT_ISSUER') ?? server.auth?.issuer ?? '',
        audience: envStr('WAVE_JWT_AUDIENCE') ?? server.auth?.audience ?? '',
        mtls_scopes: (server.auth?.mtls_scopes ?? ['admin']) as Scope[],
      },
      tls: {
        enabled: server.tls?.enabled ?? Boolean(envStr('WAVE_TLS_CERT')),
        cert: envStr('WAVE_TLS_CERT') ?? server.tls?.cert ?? '',
        key: envStr('WAVE_TLS_KEY') ?? server.tls?.key ?? '',
        ca: envStr('WAVE_TLS_CA') ?? server.tls?.ca ?? '',
      },
      cors: { origins: envList('WAVE_CORS_ORIGINS') ?? server.cors?.origins ?? [] },
      allowed_hosts: (server.allowed_hosts ?? []).map((h) => h.trim().toLowerCase()),
      rate_limit: {
        enabled: server.rate_limit !== undefined || !modes.every((m) => m === 'none'),
        max: server.rate_limit?.max ?? 600,
        window_ms:
          server.rate_limit?.window === undefined
            ? 60_000
            : (parseDuration(server.rate_limit.window) ?? 60_000),
      },
      webhooks: { ...(server.webhooks ?? {}) },
      notifications: server.notifications ?? [],
    },
    storage: {
      // WAVE_STORAGE_URL overrides the file like every WAVE_*: `WAVE_STORAGE_URL=… wave run`
      // uses that database even where wave.yaml says sqlite. In the file, a url alone means postgres.
      driver: envStr('WAVE_STORAGE_URL')
        ? 'postgres'
        : (file.storage?.driver ?? (storageUrl ? 'postgres' : 'sqlite')),
      path: envStr('WAVE_STORAGE_PATH') ?? file.storage?.path ?? '.wave/state.db',
      url: storageUrl,
      artifact_inline_limit: file.storage?.artifact_inline_limit ?? 1024 * 1024,
      artifact_dir: file.storage?.artifact_dir || null,
      retention: retentionOf(file.storage?.retention),
    },
    schedules: file.schedules ?? [],
    pricing: file.pricing ?? {},
    retrospective: { persona: file.retrospective?.persona ?? null },
  };
  return { config, diagnostics };
}

/** Each limit unset keeps those runs forever; failed_runs falls back to runs. */
function retentionOf(
  r: { runs?: string | number; failed_runs?: string | number; logs?: string | number } | undefined,
) {
  const ms = (v: string | number | undefined) => (v === undefined ? null : (parseDuration(v) ?? null));
  const runs = ms(r?.runs);
  return { runs_ms: runs, failed_runs_ms: ms(r?.failed_runs) ?? runs, logs_ms: ms(r?.logs) };
}

function toModes(mode: AuthModeName | AuthModeName[] | undefined): AuthModeName[] {
  if (mode === undefined) return ['none'];
  return Array.isArray(mode) ? mode : [mode];
}
