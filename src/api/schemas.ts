import { z } from 'zod';
import {
  EVENT_TYPES,
  GateChoiceSchema,
  RunError,
  RunStatus,
  StepError,
  StepKindSchema,
  StepStatus,
  Trigger,
} from '../events/catalogue.js';

/**
 * The objects and requests of API.md as zod schemas: the server validates and documents with
 * them (OpenAPI), the typed client parses with them. One source for both sides.
 */

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.record(z.string(), z.unknown()),
    }),
  })
  .meta({ id: 'Error' });

export const Usage = z.object({ tokens_in: z.number(), tokens_out: z.number(), cost_usd: z.number() });

export const Step = z
  .object({
    id: z.string(),
    kind: StepKindSchema,
    persona: z.string().nullable(),
    status: StepStatus,
    attempts: z.number().int(),
    dependencies: z.array(z.string()),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
    duration_ms: z.number().nullable(),
    error: StepError.nullable(),
    artifacts: z.array(z.object({ name: z.string(), size: z.number(), sha256: z.string() })),
    usage: Usage.nullable(),
    children: z.array(z.string()).describe("A composition step's child run ids, in item order."),
  })
  .meta({ id: 'Step' });

export const Gate = z
  .object({
    step: z.string(),
    /** cancelled: its run ended first. */
    status: z.enum(['waiting', 'answered', 'timed_out', 'cancelled']),
    prompt: z.string(),
    choices: z.array(GateChoiceSchema),
    freeform: z.boolean(),
    default: z.string().nullable(),
    timeout_at: z.string().nullable(),
    answer: z
      .object({ choice: z.string(), text: z.string().nullable(), by: z.string().nullable(), at: z.string() })
      .nullable(),
  })
  .meta({ id: 'Gate' });

export const Run = z
  .object({
    id: z.string(),
    pipeline: z.string(),
    status: RunStatus,
    input: z.string().nullable(),
    labels: z.record(z.string(), z.string()),
    trigger: Trigger,
    created_at: z.string(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
    duration_ms: z.number().nullable(),
    queue_position: z.number().int().nullable(),
    cancel_requested: z.boolean(),
    error: RunError.nullable(),
    parent: z
      .object({ run_id: z.string(), step: z.string() })
      .nullable()
      .describe('Set on a child run of a composition step.'),
    origin: z
      .object({ kind: z.enum(['retry', 'fork']), run_id: z.string(), step: z.string().nullable() })
      .nullable()
      .describe('Set on a retry or fork: the run it came from (and the step a fork starts at).'),
    child_count: z.number().int().describe("How many child runs this run's composition steps started."),
  })
  .meta({ id: 'Run' });

export const RunDetail = Run.extend({
  steps: z.array(Step),
  gates: z.array(Gate),
  outcomes: z.array(z.object({ step: z.string(), type: z.string(), label: z.string(), value: z.unknown() })),
  outputs: z.record(
    z.string(),
    z.object({ step: z.string(), artifact: z.string(), type: z.string().nullable(), value: z.unknown() }),
  ),
  artifacts: z
    .array(z.object({ name: z.string(), size: z.number().int(), sha256: z.string() }))
    .describe(
      'Artifacts of the run itself rather than of a step (its `diff`): step `_run` in the artifacts route.',
    ),
}).meta({ id: 'RunDetail' });

export const Pipeline = z
  .object({
    name: z.string(),
    description: z.string(),
    input: z
      .object({
        type: z.string(),
        required: z.boolean(),
        example: z.string().nullable(),
        description: z.string().nullable(),
      })
      .nullable(),
    steps: z.array(
      z.object({
        id: z.string(),
        kind: StepKindSchema,
        persona: z.string().nullable(),
        dependencies: z.array(z.string()),
      }),
    ),
    disabled: z.boolean(),
    valid: z.boolean(),
    errors: z.array(z.string()),
  })
  .meta({ id: 'Pipeline' });

export const Persona = z
  .object({ name: z.string(), adapter: z.string(), model: z.string().nullable(), description: z.string() })
  .meta({ id: 'Persona' });

const InstanceRole = z.enum(['all', 'api', 'worker']);

export const Health = z.object({
  status: z.literal('ok'),
  version: z.string(),
  uptime_s: z.number(),
  storage: z.string(),
  max_concurrent: z.number().int(),
  runs: z.object({ queued: z.number().int(), running: z.number().int(), waiting: z.number().int() }),
  /** The instance that answered (API.md "Instances"). */
  instance: z.object({ id: z.string(), role: InstanceRole, host: z.string() }),
  /** On PostgreSQL: every instance sharing the store seen in the last minute. */
  instances: z
    .array(
      z.object({
        id: z.string(),
        role: InstanceRole,
        host: z.string(),
        last_heartbeat_at: z.string(),
        running: z.number().int(),
      }),
    )
    .optional(),
});

const labelValue = z.string().max(512);
export const CreateRunBody = z
  .object({
    pipeline: z.string().min(1).max(200),
    input: z.string().max(1_000_000).optional(),
    labels: z.record(z.string().min(1).max(128), labelValue).optional(),
  })
  .strict();

export const GateAnswerBody = z
  .object({
    choice: z.string().min(1).optional(),
    text: z.string().max(100_000).optional(),
    approved: z.boolean().optional(),
  })
  .strict()
  .refine((b) => b.choice !== undefined || b.approved !== undefined, {
    message: 'give `choice` (a key of the gate) or `approved` (true/false)',
  })
  .refine((b) => !(b.choice !== undefined && b.approved !== undefined), {
    message: 'give either `choice` or `approved`, not both',
  });

const commaList = <T extends z.ZodType<string, string>>(item: T) =>
  z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(z.array(item));

export const ListRunsQuery = z.object({
  status: commaList(RunStatus).optional(),
  pipeline: z.string().min(1).optional(),
  label: z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (Array.isArray(v) ? v : [v]))
    .pipe(z.array(z.string().regex(/^[^:]+:.*$/, 'a label filter is key:value')))
    .optional(),
  parent: z.string().min(1).max(200).optional().describe("Only this run's child runs."),
  origin: z.string().min(1).max(200).optional().describe("Only this run's retries and forks."),
  include_children: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional()
    .describe('Child runs too (by default only top-level runs are listed).'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  // Cursors are base64url; Node's lenient decoder would otherwise accept e.g. `cjE=x` as `r1`.
  cursor: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z0-9_-]+$/, 'not a cursor this server issued (use next_cursor as given)')
    .optional(),
});

export const EventTypeSchema = z.enum(EVENT_TYPES as [string, ...string[]]);
export const EventsQuery = z.object({
  since: z.coerce.number().int().min(0).optional().describe('Send the events after this seq.'),
  types: commaList(EventTypeSchema).optional().describe('Comma-separated event types to keep.'),
  access_token: z
    .string()
    .optional()
    .describe('The bearer token, for EventSource, which cannot send headers.'),
});

export const LogsQuery = z.object({
  step: z.string().min(1).optional(),
  format: z.enum(['text', 'ndjson']).default('text'),
});

export const DiffQuery = z.object({
  step: z.string().min(1).max(200).optional().describe("Only this step's commit."),
  stat: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional()
    .describe('Files with added and removed line counts (JSON) instead of the diff.'),
});

export const DiffStat = z
  .object({
    files: z.array(
      z.object({
        path: z.string(),
        added: z.number().int(),
        removed: z.number().int(),
        status: z.enum(['added', 'modified', 'deleted', 'renamed']),
      }),
    ),
    added: z.number().int(),
    removed: z.number().int(),
  })
  .meta({ id: 'DiffStat' });

export const RunIdParams = z.object({ id: z.string().min(1).max(200) });
export const GateParams = RunIdParams.extend({ step: z.string().min(1).max(200) });
export const ArtifactParams = GateParams.extend({ name: z.string().min(1).max(300) });
export const PipelineParams = z.object({ name: z.string().min(1).max(200) });

export type RunT = z.infer<typeof Run>;
export type RunDetailT = z.infer<typeof RunDetail>;
export type GateT = z.infer<typeof Gate>;
export type PipelineT = z.infer<typeof Pipeline>;
export type HealthT = z.infer<typeof Health>;

export const ForkRunBody = z
  .object({
    from_step: z.string().min(1).max(200),
    input: z.string().max(1_000_000).optional(),
  })
  .strict();
