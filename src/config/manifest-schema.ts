import { z } from 'zod';
import { parseDuration } from '../pipeline/duration.js';
import { parseAuthority } from './bind.js';

/**
 * wave.yaml (PIPELINES.md "Manifest"). Strict: an unknown key is an error with a "did you mean";
 * Go Wave keys Wave does not use are removed with a warning before this runs (compat.ts).
 * Every field is optional here; defaults are applied in parse-config.ts so precedence stays explicit.
 */

const duration = z.union([z.string(), z.number()]).refine((v) => parseDuration(v) !== undefined, {
  message: 'not a duration: write e.g. 500ms, 30s, 10m, 1h, or a number of seconds',
});

export const PermissionsSchema = z.strictObject({
  allowed_tools: z.array(z.string()).optional(),
  deny: z.array(z.string()).optional(),
});

export const TierModelsSchema = z.strictObject({
  cheapest: z.string().optional(),
  balanced: z.string().optional(),
  strongest: z.string().optional(),
});

/** `{requests: 10, per: 1m}`: at most 10 prompt steps start on the adapter in any minute. */
const RateLimitSchema = z.strictObject({
  requests: z.number().int().min(1),
  per: duration.refine((v) => (parseDuration(v) ?? 0) > 0, { message: 'must be longer than 0' }),
});

export const AdapterConfigSchema = z.strictObject({
  /** Defaults to the adapter's name (an entry that only sets limits: `mock: {max_concurrent: 2}`). */
  binary: z.string().min(1).optional(),
  /** stream-json (and Go Wave's `json`) = the claude protocol; text = any CLI agent. */
  output_format: z.enum(['stream-json', 'json', 'text']).optional(),
  default_model: z.string().optional(),
  args: z.array(z.string()).optional(),
  /** How a `text` adapter receives the prompt. */
  prompt_via: z.enum(['stdin', 'argument']).optional(),
  tier_models: TierModelsSchema.optional(),
  env: z.record(z.string(), z.string()).optional(),
  /** Prompt steps on this adapter at once, across all runs (API.md "Changes and agent limits"). */
  max_concurrent: z.number().int().min(1).max(10_000).optional(),
  rate_limit: RateLimitSchema.optional(),
  /** Exit codes that mean "rate limited": retried with backoff without counting an attempt. */
  retry_on_exit: z.array(z.number().int().min(1).max(255)).optional(),
  /**
   * The mock adapter only: how long it takes to answer each prompt step (`--mock` rehearsals with
   * a pace to watch, benchmarks of steps that take time). Default 0.
   */
  think_time: duration.optional(),
});

export const PersonaConfigSchema = z.strictObject({
  adapter: z.string().min(1).optional(),
  description: z.string().optional(),
  system_prompt_file: z.string().optional(),
  model: z.string().optional(),
  temperature: z.number().min(0).max(2).optional(),
  permissions: PermissionsSchema.optional(),
});

const AuthMode = z.enum(['none', 'jwt', 'mtls']);

const WebhookTriggerSchema = z.strictObject({
  event: z.string().min(1),
  actions: z.array(z.string()).optional(),
  branches: z.array(z.string()).optional(),
  pipeline: z.string().min(1),
  input: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
});

const WebhookProviderSchema = z.strictObject({
  secret: z.string().min(1),
  triggers: z.array(WebhookTriggerSchema).default([]),
});

const Scope = z.enum(['runs:read', 'runs:write', 'gates:answer', 'admin']);

const NotificationSchema = z.strictObject({
  name: z.string().min(1),
  url: z.url({ protocol: /^https?$/, error: 'not an http(s) URL' }),
  events: z.array(z.enum(['run_completed', 'run_failed', 'run_cancelled', 'gate_waiting'])).min(1),
  pipelines: z.array(z.string().min(1)).optional(),
  secret: z.string().min(1).optional(),
  format: z.enum(['wave', 'slack']).optional(),
  allow_private: z.boolean().optional(),
});

export const ServerConfigSchema = z.strictObject({
  bind: z.string().optional(),
  max_concurrent: z.number().int().min(1).max(1000).optional(),
  role: z.enum(['all', 'api', 'worker']).optional(),
  global_max_concurrent: z.number().int().min(1).max(100_000).nullable().optional(),
  lease_timeout: duration
    .refine((v) => (parseDuration(v) ?? 0) >= 1000, { message: 'must be at least 1s' })
    .optional(),
  recovery: z.enum(['resume', 'fail']).optional(),
  body_limit: z.number().int().min(1024).optional(),
  shutdown_grace: duration.optional(),
  cancel_grace: duration.optional(),
  log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  auth: z
    .strictObject({
      mode: z.union([AuthMode, z.array(AuthMode).min(1)]).optional(),
      jwt_secret: z.string().optional(),
      jwt_public_key: z.string().optional(),
      issuer: z.string().optional(),
      audience: z.string().optional(),
      mtls_scopes: z.array(Scope).optional(),
    })
    .optional(),
  tls: z
    .strictObject({
      enabled: z.boolean().optional(),
      cert: z.string().optional(),
      key: z.string().optional(),
      ca: z.string().optional(),
    })
    .optional(),
  cors: z.strictObject({ origins: z.array(z.string()).optional() }).optional(),
  /** Extra `Host` names answered when auth.mode is none (API.md "Authentication"). */
  allowed_hosts: z
    .array(
      z.string().refine((h) => parseAuthority(h) !== null, {
        message: 'not a host name: write e.g. wave.example.com or wave.example.com:8080',
      }),
    )
    .optional(),
  rate_limit: z
    .strictObject({
      max: z.number().int().min(1).optional(),
      window: duration.optional(),
    })
    .optional(),
  webhooks: z
    .strictObject({
      github: WebhookProviderSchema.optional(),
      gitlab: WebhookProviderSchema.optional(),
    })
    .optional(),
  /** Outbound webhooks (API.md "Notifications"). */
  notifications: z
    .array(NotificationSchema)
    .refine((list) => new Set(list.map((n) => n.name)).size === list.length, {
      message: 'notification names must be unique',
    })
    .optional(),
});

/** A schedule declared in wave.yaml (API.md "Schedules"); its expression is checked at load. */
export const ScheduleConfigSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, {
    message: 'a schedule name is letters, digits, ".", "_" or "-" (at most 100)',
  }),
  pipeline: z.string().min(1),
  cron: z.string().min(1).optional(),
  rrule: z.string().min(1).optional(),
  timezone: z.string().min(1).optional(),
  input: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  overlap: z.enum(['skip', 'queue']).optional(),
  catch_up: z.enum(['skip', 'one']).optional(),
});

export const ManifestSchema = z.strictObject({
  apiVersion: z.string().optional(),
  kind: z.literal('WaveManifest').optional(),
  metadata: z
    .strictObject({
      name: z.string().optional(),
      description: z.string().optional(),
      /** The forge of `{{ forge.* }}` (github, gitlab, …); else read from the origin remote. */
      forge: z.string().optional(),
    })
    .optional(),
  project: z.record(z.string(), z.unknown()).optional(),
  adapters: z.record(z.string(), AdapterConfigSchema).optional(),
  personas: z.record(z.string(), PersonaConfigSchema).optional(),
  runtime: z
    .strictObject({
      workspace_root: z.string().optional(),
      default_timeout_minutes: z.number().positive().optional(),
      max_concurrent_workers: z.number().int().min(1).max(256).optional(),
      timeouts: z
        .strictObject({
          step_default_minutes: z.number().positive().optional(),
          process_grace_seconds: z.number().min(0).optional(),
          gate_approval_hours: z.number().positive().optional(),
        })
        .optional(),
    })
    .optional(),
  server: ServerConfigSchema.optional(),
  storage: z
    .strictObject({
      driver: z.enum(['sqlite', 'postgres']).optional(),
      path: z.string().optional(),
      url: z.string().optional(),
      artifact_inline_limit: z.number().int().min(0).optional(),
      artifact_dir: z.string().optional(),
      retention: z
        .strictObject({
          runs: duration.optional(),
          failed_runs: duration.optional(),
          logs: duration.optional(),
        })
        .optional(),
    })
    .optional(),
  schedules: z.array(ScheduleConfigSchema).optional(),
  /** Per model (or model family, e.g. `sonnet`): turns tokens into cost_usd when an adapter reports tokens only. */
  pricing: z
    .record(
      z.string().min(1),
      z.strictObject({ input_per_mtok: z.number().min(0), output_per_mtok: z.number().min(0) }),
    )
    .optional(),
  /** A persona that writes each finished run's narrative (API.md "Insights and retrospectives"). */
  retrospective: z.strictObject({ persona: z.string().min(1).nullable().optional() }).optional(),
});

export type Manifest = z.infer<typeof ManifestSchema>;
/** An adapter as the engine sees it: its binary always known (parse-config defaults it). */
export type AdapterConfig = z.infer<typeof AdapterConfigSchema> & { binary: string };
export type PersonaConfig = z.infer<typeof PersonaConfigSchema>;
export type WebhookProvider = z.infer<typeof WebhookProviderSchema>;
export type NotificationConfig = z.infer<typeof NotificationSchema>;
export type WebhookTrigger = z.infer<typeof WebhookTriggerSchema>;
export type Scope = z.infer<typeof Scope>;
export type ScheduleConfig = z.infer<typeof ScheduleConfigSchema>;
export type AuthModeName = z.infer<typeof AuthMode>;
