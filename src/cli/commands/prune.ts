import { z } from 'zod';
import { parseDuration } from '../../pipeline/duration.js';
import { policyFromConfig, policyOlderThan } from '../../service/retention/cutoffs.js';
import { pruneProject } from '../../service/retention/prune-project.js';
import type { PruneReport } from '../../service/retention/prune-runs.js';
import { EXIT } from '../exit.js';
import { type CliIO, err, out, table } from '../io.js';
import { openProject, ProjectFlags, parseFlags } from '../options.js';

const PruneFlags = ProjectFlags.extend({
  olderThan: z
    .string()
    .transform((s, c) => {
      const ms = parseDuration(s);
      if (ms === undefined) {
        c.addIssue({ code: 'custom', message: 'a duration such as 12h, 7d or 30d' });
        return z.NEVER;
      }
      return ms;
    })
    .optional(),
  dryRun: z.boolean().optional(),
  json: z.boolean().optional(),
});

/**
 * `wave prune [--older-than 30d] [--dry-run] [--json]`: deletes finished runs (events, logs,
 * artifacts, workspaces) past the limit, `storage.retention` when no limit is given.
 */
export async function runPrune(io: CliIO, raw: unknown): Promise<number> {
  const opts = parseFlags(PruneFlags, raw);
  const project = openProject(io, opts);
  const now = new Date();
  const policy =
    opts.olderThan !== undefined
      ? policyOlderThan(opts.olderThan, now)
      : policyFromConfig(project.config.storage.retention, now);
  if (!policy) {
    err(
      io,
      'nothing to prune: storage.retention keeps everything (set it in wave.yaml, or give --older-than 30d)',
    );
    if (opts.json) out(io, JSON.stringify(emptyReport(Boolean(opts.dryRun))));
    return EXIT.ok;
  }
  const report = await pruneProject(project, policy, { dryRun: Boolean(opts.dryRun) });
  if (opts.json) out(io, JSON.stringify(toJson(report)));
  else render(io, report);
  return EXIT.ok;
}

function emptyReport(dryRun: boolean) {
  return toJson({ dryRun, runs: [], logs: { runs: 0, lines: 0 }, space: null });
}

function toJson(r: PruneReport) {
  return { dry_run: r.dryRun, runs: r.runs, logs: r.logs, space: r.space };
}

function render(io: CliIO, r: PruneReport): void {
  const verb = r.dryRun ? 'would delete' : 'deleted';
  if (r.runs.length > 0) {
    out(
      io,
      table(
        ['RUN', 'PIPELINE', 'STATUS', 'FINISHED', 'CHILD RUNS'],
        r.runs.map((x) => [x.id, x.pipeline, x.status, x.finished_at, String(x.child_runs)]),
      ),
    );
  }
  const children = r.runs.reduce((n, x) => n + x.child_runs, 0);
  const parts = [
    `${verb} ${r.runs.length} run${r.runs.length === 1 ? '' : 's'}${children ? ` (and ${children} child runs)` : ''}`,
  ];
  if (r.logs.runs > 0) {
    parts.push(
      `${r.dryRun ? 'would drop' : 'dropped'} ${r.logs.lines} log lines of ${r.logs.runs} older runs`,
    );
  }
  if (r.space) parts.push(`database ${mb(r.space.before_bytes)} → ${mb(r.space.after_bytes)}`);
  err(io, parts.join('; '));
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
