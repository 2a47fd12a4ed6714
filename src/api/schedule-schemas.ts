import { z } from 'zod';

/** API.md "Schedules". */
export const Schedule = z
  .object({
    id: z.string(),
    name: z.string(),
    pipeline: z.string(),
    input: z.string().nullable(),
    labels: z.record(z.string(), z.string()),
    cron: z.string().nullable(),
    rrule: z.string().nullable(),
    timezone: z.string(),
    overlap: z.enum(['skip', 'queue']),
    catch_up: z.enum(['skip', 'one']),
    paused: z.boolean(),
    source: z.enum(['api', 'config']),
    next_run_at: z.string().nullable(),
    last_run: z.object({ run_id: z.string(), at: z.string(), status: z.string() }).nullable(),
    created_at: z.string(),
  })
  .meta({ id: 'Schedule' });

const labelValue = z.string().max(512);

const writable = {
  name: z.string().min(1).max(100),
  pipeline: z.string().min(1).max(200),
  cron: z.string().min(1).max(200).nullable(),
  rrule: z.string().min(1).max(500).nullable(),
  timezone: z.string().min(1).max(100),
  input: z.string().max(1_000_000).nullable(),
  labels: z.record(z.string().min(1).max(128), labelValue),
  overlap: z.enum(['skip', 'queue']),
  catch_up: z.enum(['skip', 'one']),
};

export const CreateScheduleBody = z
  .object({
    ...writable,
    cron: writable.cron.optional(),
    rrule: writable.rrule.optional(),
    timezone: writable.timezone.optional(),
    input: writable.input.optional(),
    labels: writable.labels.optional(),
    overlap: writable.overlap.optional(),
    catch_up: writable.catch_up.optional(),
    paused: z.boolean().optional(),
  })
  .strict();

export const PatchScheduleBody = z.object(writable).partial().strict();

export const PreviewScheduleBody = z
  .object({
    cron: writable.cron.optional(),
    rrule: writable.rrule.optional(),
    timezone: writable.timezone.optional(),
    count: z.number().int().min(1).max(50).optional(),
  })
  .strict();

export const SchedulePreview = z.object({ next: z.array(z.string()) }).meta({ id: 'SchedulePreview' });

export const ScheduleIdParams = z.object({ id: z.string().min(1).max(200) });

export const ScheduleRunsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z0-9_-]+$/, 'not a cursor this server issued (use next_cursor as given)')
    .optional(),
});

export type ScheduleT = z.infer<typeof Schedule>;
