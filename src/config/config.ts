import type {
  AdapterConfig,
  AuthModeName,
  NotificationConfig,
  PersonaConfig,
  ScheduleConfig,
  Scope,
  WebhookProvider,
} from './manifest-schema.js';

/** The fully resolved configuration: every default applied, every source merged. */
export interface Config {
  name: string;
  description: string;
  /** wave.yaml `metadata.forge`: the forge type of `{{ forge.* }}`; null = from the origin remote. */
  forge: string | null;
  project: Record<string, unknown>;
  adapters: Record<string, AdapterConfig>;
  /** Personas as wave.yaml writes them (persona files are merged in pipeline/personas.ts). */
  personas: Record<string, PersonaConfig>;
  runtime: {
    workspace_root: string;
    default_timeout_ms: number;
    max_concurrent_workers: number;
    /** Grace between SIGTERM and SIGKILL for a step's process group (timeouts and cancels). */
    process_grace_ms: number;
    /** How long a gate without `timeout` waits; null = until answered. */
    gate_timeout_ms: number | null;
  };
  server: {
    host: string;
    port: number;
    max_concurrent: number;
    recovery: 'resume' | 'fail';
    body_limit: number;
    shutdown_grace_ms: number;
    cancel_grace_ms: number;
    log_level: string;
    insecure: boolean;
    mock: boolean;
    auth: {
      modes: AuthModeName[];
      jwt_secret: string;
      jwt_public_key: string;
      issuer: string;
      audience: string;
      mtls_scopes: Scope[];
    };
    tls: { enabled: boolean; cert: string; key: string; ca: string };
    cors: { origins: string[] };
    /** Host names answered besides loopback ones when auth.mode is none (lower case). */
    allowed_hosts: string[];
    /** On when any authentication is configured, or when wave.yaml sets server.rate_limit. */
    rate_limit: { enabled: boolean; max: number; window_ms: number };
    webhooks: { github?: WebhookProvider; gitlab?: WebhookProvider };
    notifications: NotificationConfig[];
  };
  storage: {
    driver: 'sqlite' | 'postgres';
    path: string;
    /** postgres: the database's URL (`storage.url` or WAVE_STORAGE_URL); null when not given. */
    url: string | null;
    /** postgres: artifacts up to this many bytes are kept in the database. */
    artifact_inline_limit: number;
    /** postgres: where larger artifacts are copied, a folder every instance shares; null = none. */
    artifact_dir: string | null;
    /** How long finished runs and their logs are kept (ms); null = forever. */
    retention: { runs_ms: number | null; failed_runs_ms: number | null; logs_ms: number | null };
  };
  /** wave.yaml `schedules`, as written (checked when `wave serve` loads them). */
  schedules: ScheduleConfig[];
  /** wave.yaml `pricing`: USD per million tokens, by model or model family. */
  pricing: Record<string, ModelPrice>;
  /** wave.yaml `retrospective.persona`: who writes each finished run's narrative; null = nobody. */
  retrospective: { persona: string | null };
}

export interface ModelPrice {
  input_per_mtok: number;
  output_per_mtok: number;
}

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8080;

/** The adapters every project has, whatever its wave.yaml says (wave.yaml may override them). */
export const BUILTIN_ADAPTERS: Record<string, AdapterConfig> = {
  claude: { binary: 'claude', output_format: 'stream-json' },
};
