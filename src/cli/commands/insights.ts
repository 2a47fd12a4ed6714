import { z } from 'zod';
import { EXIT } from '../exit.js';
import type { CliIO } from '../io.js';
import { out } from '../io.js';
import { withLocalContext } from '../local.js';
import { ProjectFlags, parseFlags } from '../options.js';
import { RemoteFlags, remoteClient } from '../remote.js';
import { insightsText, retrospectiveText } from '../render/insights-tables.js';

const RetroFlags = ProjectFlags.extend(RemoteFlags.shape).extend({
  runId: z.string().min(1),
  json: z.boolean().optional(),
});

const InsightsFlags = ProjectFlags.extend(RemoteFlags.shape).extend({
  pipeline: z.string().min(1).optional(),
  since: z.string().min(1).default('30d'),
  until: z.string().min(1).optional(),
  json: z.boolean().optional(),
});

/** `wave retro <run-id> [--json]`: a finished run's retrospective (API.md). */
export async function runRetro(io: CliIO, raw: unknown): Promise<number> {
  const opts = parseFlags(RetroFlags, raw);
  const client = remoteClient(io, opts);
  const retro = client
    ? await client.retrospective(opts.runId)
    : await withLocalContext(io, opts, (ctx) => ctx.insights.retrospective(opts.runId));
  out(io, opts.json ? JSON.stringify(retro, null, 2) : retrospectiveText(retro));
  return EXIT.ok;
}

/** `wave insights [--pipeline P] [--since 30d] [--until T] [--json]`: figures as aligned tables. */
export async function runInsights(io: CliIO, raw: unknown): Promise<number> {
  const opts = parseFlags(InsightsFlags, raw);
  const range = { since: opts.since, ...(opts.until ? { until: opts.until } : {}) };
  const client = remoteClient(io, opts);
  const insights = client
    ? await client.insights({ ...range, ...(opts.pipeline ? { pipeline: opts.pipeline } : {}) })
    : await withLocalContext(io, opts, (ctx) => ctx.insights.insights({ ...range, pipeline: opts.pipeline }));
  out(io, opts.json ? JSON.stringify(insights, null, 2) : insightsText(insights));
  return EXIT.ok;
}
