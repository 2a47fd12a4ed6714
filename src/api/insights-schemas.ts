import { z } from 'zod';
import { Usage } from './schemas.js';

/** API.md "Insights and retrospectives". */
const Percentiles = z.object({ p50: z.number().nullable(), p95: z.number().nullable() });

export const InsightsQuery = z.object({
  pipeline: z.string().min(1).max(200).optional(),
  since: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .describe('An ISO time, or a duration back from now (`7d`, `12h`).'),
  until: z.string().min(1).max(64).optional().describe('An ISO time, or a duration back from now.'),
});

export const Insights = z.object({
  since: z.string(),
  until: z.string(),
  pipelines: z.array(
    z.object({
      pipeline: z.string(),
      runs: z.number().int(),
      completed: z.number().int(),
      failed: z.number().int(),
      cancelled: z.number().int(),
      success_rate: z.number().nullable(),
      duration_ms: Percentiles,
      queue_wait_ms: Percentiles,
      usage: Usage,
      steps: z.array(
        z.object({
          id: z.string(),
          runs: z.number().int(),
          failed: z.number().int(),
          retries: z.number().int(),
          duration_ms: Percentiles,
        }),
      ),
      top_errors: z.array(z.object({ code: z.string(), message: z.string(), count: z.number().int() })),
    }),
  ),
  daily: z.array(
    z.object({ date: z.string(), runs: z.number().int(), failed: z.number().int(), cost_usd: z.number() }),
  ),
});

export const Retrospective = z.object({
  run_id: z.string(),
  status: z.enum(['queued', 'running', 'waiting', 'completed', 'failed', 'cancelled']),
  duration_ms: z.number().nullable(),
  queue_wait_ms: z.number().nullable(),
  gate_wait_ms: z.number(),
  critical_path: z.array(z.string()),
  slowest_steps: z.array(z.object({ step: z.string(), duration_ms: z.number() })),
  retries: z.array(z.object({ step: z.string(), attempts: z.number().int(), reasons: z.array(z.string()) })),
  contract_failures: z.array(
    z.object({ step: z.string(), contract: z.string(), errors: z.array(z.string()) }),
  ),
  usage: z.object({
    total: Usage,
    by_step: z.record(z.string(), Usage),
    by_persona: z.record(z.string(), Usage),
  }),
  narrative: z.string().nullable(),
});
