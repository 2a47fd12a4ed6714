import { z } from 'zod';

/**
 * The event catalogue of API.md: the single source of every event's shape. The engine emits
 * drafts (no seq/ts), the store assigns `seq` at commit, SSE and `--json` print them as is.
 */

export const RunStatus = z.enum(['queued', 'running', 'waiting', 'completed', 'failed', 'cancelled']);
export type RunStatus = z.infer<typeof RunStatus>;
export const StepStatus = z.enum([
  'pending',
  'running',
  'waiting',
  'completed',
  'failed',
  'skipped',
  'cancelled',
]);
export type StepStatus = z.infer<typeof StepStatus>;
export const StepKindSchema = z.enum([
  'command',
  'prompt',
  'gate',
  // Composition (a step whose work is child runs; GOWAVE.md §§1-5).
  'pipeline',
  'iterate',
  'aggregate',
  'loop',
  'branch',
]);
/** `pipeline`: a child run of a composition step; its actor is the parent run's id. */
export const TriggerSource = z.enum(['api', 'cli', 'ui', 'webhook', 'pipeline', 'schedule']);
export const Trigger = z.object({ source: TriggerSource, actor: z.string().nullable() });
export type Trigger = z.infer<typeof Trigger>;

export const RunError = z.object({ code: z.string(), message: z.string(), step: z.string().nullable() });
export type RunError = z.infer<typeof RunError>;
export const StepError = z.object({ code: z.string(), message: z.string() });
export type StepError = z.infer<typeof StepError>;
export const GateChoiceSchema = z.object({
  key: z.string(),
  label: z.string(),
  target: z.string().nullable(),
});

const common = { seq: z.number().int(), ts: z.string(), run_id: z.string() };
const stepScoped = { ...common, step: z.string() };

export const EventSchema = z.discriminatedUnion('type', [
  z.object({
    ...common,
    type: z.literal('run_queued'),
    pipeline: z.string(),
    queue_position: z.number().int().nullable(),
    trigger: Trigger,
  }),
  z.object({ ...common, type: z.literal('run_started'), pipeline: z.string(), resumed: z.boolean() }),
  z.object({ ...common, type: z.literal('run_waiting'), steps: z.array(z.string()) }),
  z.object({
    ...common,
    type: z.literal('run_completed'),
    status: z.literal('completed'),
    duration_ms: z.number(),
  }),
  z.object({
    ...common,
    type: z.literal('run_failed'),
    status: z.literal('failed'),
    duration_ms: z.number(),
    error: RunError,
  }),
  z.object({
    ...common,
    type: z.literal('run_cancelled'),
    status: z.literal('cancelled'),
    duration_ms: z.number(),
    by: z.string().nullable(),
  }),
  z.object({
    ...stepScoped,
    type: z.literal('step_started'),
    kind: StepKindSchema,
    persona: z.string().nullable(),
    attempt: z.number().int(),
  }),
  z.object({
    ...stepScoped,
    type: z.literal('step_completed'),
    status: z.literal('success'),
    duration_ms: z.number(),
    attempt: z.number().int(),
    /** Reused from the run this one retries or forks: not run again (API.md "Lineage"). */
    reused: z.boolean().optional(),
  }),
  z.object({
    ...stepScoped,
    type: z.literal('step_failed'),
    error: StepError,
    attempt: z.number().int(),
    will_retry: z.boolean(),
  }),
  z.object({
    ...stepScoped,
    type: z.literal('step_retrying'),
    attempt: z.number().int(),
    delay_ms: z.number(),
    reason: z.string(),
  }),
  z.object({ ...stepScoped, type: z.literal('step_skipped'), reason: z.string() }),
  z.object({
    ...stepScoped,
    type: z.literal('stream_activity'),
    stream: z.enum(['stdout', 'stderr', 'agent', 'tool']),
    content: z.string(),
  }),
  z.object({ ...stepScoped, type: z.literal('contract_passed'), contract: z.string() }),
  z.object({
    ...stepScoped,
    type: z.literal('contract_failed'),
    contract: z.string(),
    errors: z.array(z.string()),
    on_failure: z.enum(['fail', 'skip', 'continue', 'warn', 'rework', 'rejected']),
  }),
  z.object({
    ...stepScoped,
    type: z.literal('artifact_written'),
    name: z.string(),
    size: z.number().int(),
    sha256: z.string(),
  }),
  z.object({
    ...stepScoped,
    type: z.literal('gate_waiting'),
    prompt: z.string(),
    choices: z.array(GateChoiceSchema),
    freeform: z.boolean(),
    default: z.string().nullable(),
    timeout_at: z.string().nullable(),
  }),
  z.object({
    ...stepScoped,
    type: z.literal('gate_answered'),
    choice: z.string(),
    text: z.string().nullable(),
    by: z.string().nullable(),
    timed_out: z.boolean(),
  }),
  // On the parent's stream (run_id is the parent's): a composition step started or ended a child.
  z.object({
    ...stepScoped,
    type: z.literal('child_run_started'),
    child_run_id: z.string(),
    pipeline: z.string(),
  }),
  z.object({
    ...stepScoped,
    type: z.literal('child_run_finished'),
    child_run_id: z.string(),
    status: RunStatus,
  }),
  // A prompt step waits for a place on its adapter (max_concurrent / rate_limit); it stays pending.
  z.object({
    ...stepScoped,
    type: z.literal('step_throttled'),
    adapter: z.string(),
    position: z.number().int().min(1),
  }),
]);

export type WaveEvent = z.infer<typeof EventSchema>;
export type EventType = WaveEvent['type'];
export type EventOf<T extends EventType> = Extract<WaveEvent, { type: T }>;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** An event before commit: the store assigns `seq`; `ts` defaults to the commit time. */
export type EventDraft = DistributiveOmit<WaveEvent, 'seq' | 'ts'> & { ts?: string };

export const EVENT_TYPES = EventSchema.options.map((o) => o.shape.type.value) as EventType[];
export const TERMINAL_EVENT_TYPES: ReadonlySet<EventType> = new Set([
  'run_completed',
  'run_failed',
  'run_cancelled',
]);
export const TERMINAL_RUN_STATUSES: ReadonlySet<RunStatus> = new Set(['completed', 'failed', 'cancelled']);

export type TerminalEvent = EventOf<'run_completed' | 'run_failed' | 'run_cancelled'>;

/** A run's last event; on a typed event it narrows, so the caller can read its `status`. */
export function isTerminalEvent(e: WaveEvent): e is TerminalEvent;
export function isTerminalEvent(e: { type: string }): boolean;
export function isTerminalEvent(e: { type: string }): boolean {
  return TERMINAL_EVENT_TYPES.has(e.type as EventType);
}
