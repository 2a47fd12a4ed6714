import { z } from 'zod';
import { RunStatus } from '../../events/catalogue.js';
import { EXIT } from '../exit.js';
import { type CliIO, out, table, writeChunk } from '../io.js';
import { intFlag, ProjectFlags, parseFlags } from '../options.js';
import { RemoteFlags } from '../remote.js';
import { formatDuration } from '../render/format.js';
import { type RunDetailView, type RunView, withRunsApi } from '../runs-api.js';
import { type ChildRunSummary, childRunsByStep } from './status-children.js';

const Statuses = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  )
  .pipe(z.array(RunStatus, { error: `expected statuses among ${RunStatus.options.join(', ')}` }));

const ListRunsFlags = ProjectFlags.extend(RemoteFlags.shape).extend({
  status: Statuses.optional(),
  limit: intFlag(1, 200).default(20),
  pipeline: z.string().optional(),
  json: z.boolean().optional(),
});

/** `wave list runs`: newest first, from the project's store (local and server runs alike). */
export async function runListRuns(io: CliIO, raw: unknown): Promise<number> {
  const opts = parseFlags(ListRunsFlags, raw);
  const page = await withRunsApi(io, opts, (runs) =>
    runs.list({
      limit: opts.limit,
      ...(opts.pipeline ? { pipeline: opts.pipeline } : {}),
      ...(opts.status ? { statuses: opts.status } : {}),
    }),
  );
  if (opts.json) {
    out(io, JSON.stringify(page, null, 2));
    return EXIT.ok;
  }
  out(io, page.runs.length === 0 ? 'no runs yet' : runsTable(page.runs));
  return EXIT.ok;
}

export function runsTable(runs: readonly RunView[]): string {
  return table(
    ['ID', 'PIPELINE', 'STATUS', 'CREATED', 'DURATION', 'TRIGGER'],
    runs.map((r) => [
      r.id,
      r.pipeline,
      r.status +
        (r.queue_position ? ` (#${r.queue_position})` : '') +
        (r.cancel_requested && !r.finished_at ? ' (cancelling)' : ''),
      r.created_at.replace('T', ' ').slice(0, 19),
      r.duration_ms === null ? '-' : formatDuration(r.duration_ms),
      `${r.trigger.source}${r.trigger.actor ? `:${r.trigger.actor}` : ''}`,
    ]),
  );
}

const StatusFlags = ProjectFlags.extend(RemoteFlags.shape).extend({
  runId: z.string().min(1),
  json: z.boolean().optional(),
});

/**
 * `wave status <run-id>`: one run with its steps, gates and times; a composition step's child
 * runs under it (with --json: the run as the API gives it, each step with its `child_runs`).
 */
export async function runStatus(io: CliIO, raw: unknown): Promise<number> {
  const opts = parseFlags(StatusFlags, raw);
  const { run, children } = await withRunsApi(io, opts, async (runs) => {
    const detail = await runs.get(opts.runId);
    return { run: detail, children: await childRunsByStep(runs, detail) };
  });
  out(io, opts.json ? JSON.stringify(statusJson(run, children), null, 2) : statusText(run, children));
  return EXIT.ok;
}

function statusJson(run: RunDetailView, children: ReadonlyMap<string, ChildRunSummary[]>) {
  return { ...run, steps: run.steps.map((s) => ({ ...s, child_runs: children.get(s.id) ?? [] })) };
}

export function statusText(
  run: RunView,
  children: ReadonlyMap<string, readonly ChildRunSummary[]> = new Map(),
): string {
  const lines = [
    `run       ${run.id}`,
    `pipeline  ${run.pipeline}`,
    `status    ${run.status}${run.queue_position ? ` (queue position ${run.queue_position})` : ''}${run.cancel_requested && !run.finished_at ? ' (cancel requested)' : ''}`,
    `input     ${run.input ?? '-'}`,
    `trigger   ${run.trigger.source}${run.trigger.actor ? ` by ${run.trigger.actor}` : ''}`,
    ...(run.parent ? [`parent    ${run.parent.run_id} (step ${run.parent.step})`] : []),
    `created   ${run.created_at}`,
    `started   ${run.started_at ?? '-'}`,
    `finished  ${run.finished_at ?? '-'}${run.duration_ms === null ? '' : ` (${formatDuration(run.duration_ms)})`}`,
  ];
  if (Object.keys(run.labels).length)
    lines.push(
      `labels    ${Object.entries(run.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
    );
  if (run.error)
    lines.push(`error     ${run.error.message}${run.error.step ? ` (step ${run.error.step})` : ''}`);
  lines.push('');
  lines.push(
    table(
      ['STEP', 'KIND', 'STATUS', 'ATTEMPTS', 'DURATION', 'DETAIL'],
      (run.steps ?? []).flatMap((s) => [
        [
          s.id,
          s.kind,
          s.status,
          String(s.attempts),
          s.duration_ms === null ? '-' : formatDuration(s.duration_ms),
          s.error?.message ?? s.artifacts.map((a) => a.name).join(', '),
        ],
        ...(children.get(s.id) ?? []).map(childRow),
      ]),
    ),
  );
  for (const g of run.gates ?? []) {
    lines.push('');
    lines.push(`gate ${g.step}: ${g.status} - ${g.prompt}`);
    lines.push(
      `  choices: ${g.choices.map((c) => `${c.key} (${c.label})`).join(', ')}${g.default ? `; default ${g.default}` : ''}`,
    );
    if (g.answer)
      lines.push(
        `  answer: ${g.answer.choice}${g.answer.text ? ` "${g.answer.text}"` : ''}${g.answer.by ? ` by ${g.answer.by}` : ''} at ${g.answer.at}`,
      );
    else if (g.status === 'waiting')
      lines.push(`  answer with: wave gate ${run.id} ${g.step} --choice <key>`);
  }
  for (const o of run.outcomes ?? []) lines.push(`outcome ${o.label}: ${JSON.stringify(o.value)}`);
  for (const [alias, o] of Object.entries(run.outputs ?? {}))
    lines.push(`output ${alias}: ${JSON.stringify(o.value)}`);
  return lines.join('\n');
}

/** A child run's row, indented under its step: item index, id, pipeline, status. */
function childRow(c: ChildRunSummary): string[] {
  return [
    `  ↳ [${c.index}] ${c.id}`,
    'run',
    c.status,
    '-',
    c.duration_ms === null ? '-' : formatDuration(c.duration_ms),
    `pipeline ${c.pipeline ?? '?'}${c.error ? `: ${c.error}` : ''}`,
  ];
}

const LogsFlags = ProjectFlags.extend(RemoteFlags.shape).extend({
  runId: z.string().min(1),
  step: z.string().min(1).optional(),
  follow: z.boolean().optional(),
  json: z.boolean().optional(),
});

/** `wave logs <run-id>`: the run's output lines; `--follow` streams until the run ends. */
export async function runLogs(io: CliIO, raw: unknown): Promise<number> {
  const opts = parseFlags(LogsFlags, raw);
  const q = {
    runId: opts.runId,
    step: opts.step,
    format: opts.json ? ('ndjson' as const) : ('text' as const),
  };
  await withRunsApi(io, opts, async (runs) => {
    if (opts.follow) return runs.followLogs(q, (text) => io.stdout.write(text));
    for await (const chunk of await runs.logs(q)) await writeChunk(io.stdout, chunk);
  });
  return EXIT.ok;
}
