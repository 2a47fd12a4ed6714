import { z } from 'zod';
import { parseDuration } from './duration.js';
import { GATE_FIELDS, GATE_TYPES, REVIEW_CONTRACT_FIELDS, REVIEW_CONTRACT_TYPES } from './schema-rework.js';

/**
 * The pipeline format of PIPELINES.md as strict zod schemas: an unknown field anywhere is an
 * error. Go Wave fields that are accepted-but-ignored or unsupported are taken out before
 * these schemas run (see compat.ts), so they get their own messages.
 */

const duration = z.union([z.string(), z.number()]).refine((v) => parseDuration(v) !== undefined, {
  message: 'not a duration: write e.g. 500ms, 30s, 10m, 1h, or a number of seconds',
});

const stepId = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]*$/,
    'a step id uses letters, digits, "-", "_" and "." and starts with a letter or digit',
  );

export const OnFailure = z.enum(['fail', 'skip', 'continue', 'warn', 'rework', 'rejected']);
export const ContractType = z.enum([
  'json_schema',
  'test_suite',
  'non_empty_file',
  'markdown_spec',
  ...REVIEW_CONTRACT_TYPES,
]);

export const ContractSchema = z.strictObject({
  type: ContractType,
  source: z.string().optional(),
  schema_path: z.string().optional(),
  schema: z.record(z.string(), z.unknown()).optional(),
  command: z.string().optional(),
  dir: z.string().optional(),
  required_sections: z.array(z.string()).optional(),
  on_failure: OnFailure.optional(),
  must_pass: z.boolean().optional(),
  /** Go Wave: extra attempts for this contract; folded into the step's retry policy. */
  max_retries: z.number().int().min(0).optional(),
  ...REVIEW_CONTRACT_FIELDS,
});

/** Artifact names become file names under .wave/artifacts/<run>/<step>/: no separators, no "..". */
const artifactName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    'an artifact name uses letters, digits, ".", "_" and "-" (it becomes a file name)',
  );

const ArtifactSchema = z.strictObject({
  name: artifactName,
  path: z.string().min(1),
  /** Any string (GOWAVE §11): json is checked to parse, the rest are opaque files. */
  type: z.string().min(1).optional(),
  source: z.enum(['file', 'stdout']).optional(),
  required: z.boolean().optional(),
});

const InjectSchema = z.strictObject({
  step: stepId,
  artifact: artifactName,
  as: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/, 'an artifact alias uses letters, digits, "-", "_" and "."')
    .optional(),
  type: z.string().optional(),
  optional: z.boolean().optional(),
  // Go Wave loading: the injected copy is validated against this JSON Schema (GOWAVE §11).
  schema_path: z.string().min(1).optional(),
});

const MountSchema = z.strictObject({
  source: z.string().min(1),
  target: z.string().min(1).optional(),
  mode: z.enum(['readonly', 'readwrite']).optional(),
  // Go Wave loading: "<step>.<artifact>.<json.path>", a list of files to mount (GOWAVE §11).
  subset_from: z.string().min(1).optional(),
});

const RetrySchema = z.strictObject({
  policy: z.enum(['none', 'standard', 'aggressive', 'patient']).optional(),
  max_attempts: z.number().int().min(1).max(100).optional(),
  backoff: z.enum(['fixed', 'linear', 'exponential']).optional(),
  base_delay: duration.optional(),
  max_delay: duration.optional(),
  /** Go Wave: `warn` is accepted and behaves like `fail`. */
  on_failure: z.enum(['fail', 'skip', 'continue', 'rework', 'warn']).optional(),
  adapt_prompt: z.boolean().optional(),
  /** Go Wave rework: the `rework_only` step that repairs this one when it fails for good. */
  rework_step: z.string().optional(),
  /** Go Wave: keeps a retry from moving to a stronger model tier (Wave does not escalate). */
  no_escalate: z.boolean().optional(),
});

const ChoiceSchema = z.strictObject({
  key: z.string().min(1),
  label: z.string().min(1),
  target: z.string().min(1).optional(),
});

const GateSchema = z.strictObject({
  type: z.enum(GATE_TYPES).optional(),
  ...GATE_FIELDS,
  prompt: z.string().optional(),
  message: z.string().optional(),
  choices: z.array(ChoiceSchema).min(1).optional(),
  freeform: z.boolean().optional(),
  default: z.string().optional(),
  timeout: duration.optional(),
});

const OutcomeSchema = z.strictObject({
  type: z.string().min(1),
  extract_from: z.string().min(1),
  json_path: z.string().min(1),
  json_path_label: z.string().optional(),
  label: z.string().optional(),
});

export const StepSchema = z.strictObject({
  id: stepId,
  description: z.string().optional(),
  type: z.enum(['command', 'prompt']).optional(),
  script: z.string().optional(),
  persona: z.string().optional(),
  adapter: z.string().optional(),
  model: z.string().optional(),
  dependencies: z.array(z.string()).optional(),
  exec: z
    .strictObject({
      type: z.enum(['prompt', 'command']),
      source: z.string().optional(),
      source_path: z.string().optional(),
      command: z.string().optional(),
    })
    .optional(),
  memory: z
    .strictObject({
      strategy: z.string().optional(),
      inject_artifacts: z.array(InjectSchema).optional(),
    })
    .optional(),
  workspace: z
    .strictObject({
      type: z.enum(['fresh', 'project', 'worktree']).optional(),
      mount: z.array(MountSchema).optional(),
      branch: z.string().optional(),
      base: z.string().optional(),
    })
    .optional(),
  output_artifacts: z.array(ArtifactSchema).optional(),
  handover: z
    .strictObject({
      contract: ContractSchema.optional(),
      contracts: z.array(ContractSchema).optional(),
    })
    .optional(),
  retry: RetrySchema.optional(),
  gate: GateSchema.optional(),
  // Composition (GOWAVE.md §§1-5): a step whose work is child runs.
  pipeline: z.string().min(1).optional(),
  input: z.string().optional(),
  input_ref: z.strictObject({ from: z.string().optional(), literal: z.string().optional() }).optional(),
  config: z
    .strictObject({
      inject: z.array(z.string()).optional(),
      extract: z.array(z.string()).optional(),
      timeout: duration.optional(),
      env: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
      max_cycles: z.number().int().min(0).optional(),
      stop_condition: z.string().optional(),
    })
    .optional(),
  iterate: z
    .strictObject({
      over: z.string().min(1),
      mode: z.string().optional(),
      max_concurrent: z.number().int().optional(),
      on_failure: z.enum(['fail', 'continue']).optional(),
    })
    .optional(),
  aggregate: z
    .strictObject({
      from: z.string().min(1),
      into: z.string().min(1),
      strategy: z.enum(['merge_arrays', 'concat', 'reduce']),
      key: z.string().optional(),
    })
    .optional(),
  get loop() {
    return LoopSchema.optional();
  },
  branch: z
    .strictObject({
      on: z.string(),
      cases: z.record(z.string(), z.string()),
    })
    .optional(),
  outcomes: z.array(OutcomeSchema).optional(),
  timeout_minutes: z.number().positive().optional(),
  optional: z.boolean().optional(),
  // Go Wave loading: steps of one thread see the earlier ones' outputs (GOWAVE §9).
  thread: z.string().min(1).optional(),
  /** Go Wave rework: never scheduled by the DAG, run only as another step's rework_step. */
  rework_only: z.boolean().optional(),
});

/** `loop.steps` are steps themselves (run each pass, in dependency order). */
const LoopSchema = z.strictObject({
  max_iterations: z.number().int().min(0).optional(),
  until: z.string().optional(),
  get steps(): z.ZodOptional<z.ZodArray<typeof StepSchema>> {
    return z.array(StepSchema).optional();
  },
});

export const PipelineSchema = z.strictObject({
  apiVersion: z.string().optional(),
  kind: z.literal('WavePipeline'),
  metadata: z
    .strictObject({
      name: z.string().optional(),
      description: z.string().optional(),
      release: z.boolean().optional(),
      category: z.string().optional(),
      disabled: z.boolean().optional(),
    })
    .optional(),
  input: z
    .strictObject({
      source: z.string().optional(),
      type: z.string().optional(),
      required: z.boolean().optional(),
      example: z.string().optional(),
      description: z.string().optional(),
      schema: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
  requires: z.strictObject({ tools: z.array(z.string()).optional() }).optional(),
  pipeline_outputs: z
    .record(
      z.string(),
      z.strictObject({
        step: z.string(),
        artifact: z.string(),
        type: z.string().optional(),
        field: z.string().optional(),
      }),
    )
    .optional(),
  steps: z.array(StepSchema).min(1, 'a pipeline needs at least one step'),
});

export type RawPipeline = z.infer<typeof PipelineSchema>;
export type RawStep = z.infer<typeof StepSchema>;
export type RawContract = z.infer<typeof ContractSchema>;
