import { z } from 'zod';
import type { ScheduleT } from '../../api/schedule-schemas.js';
import type { ScheduleInput } from '../../service/schedule-service.js';
import { EXIT, ExitError } from '../exit.js';
import { type CliIO, out, table } from '../io.js';
import { withLocalContext } from '../local.js';
import { ProjectFlags, parseFlags } from '../options.js';
import { RemoteFlags, remoteClient } from '../remote.js';

/** What `wave schedule …` needs, from the local store or a server's API. */
interface ScheduleOps {
  list(): Promise<ScheduleT[]>;
  add(input: ScheduleInput): Promise<ScheduleT>;
  setPaused(id: string, paused: boolean): Promise<ScheduleT>;
  run(id: string): Promise<{ id: string }>;
  remove(id: string): Promise<void>;
}

const Flags = ProjectFlags.extend(RemoteFlags.shape);

async function withSchedules<T>(
  io: CliIO,
  flags: z.infer<typeof Flags>,
  fn: (ops: ScheduleOps) => Promise<T>,
) {
  const client = remoteClient(io, flags);
  if (client) {
    return fn({
      list: () => client.listSchedules(),
      add: (input) => client.createSchedule({ ...input }),
      setPaused: (id, paused) => client.scheduleAction(id, paused ? 'pause' : 'resume'),
      run: (id) => client.runSchedule(id),
      remove: (id) => client.deleteSchedule(id),
    });
  }
  return withLocalContext(io, flags, async (ctx, project) => {
    // wave.yaml's schedules are in the store even before a server has started.
    await ctx.schedules.loadConfig(project.config.schedules);
    const s = ctx.schedules;
    return fn({
      list: () => s.list(),
      add: (input) => s.create(input),
      setPaused: (id, paused) => s.setPaused(id, paused),
      run: (id) => s.runNow(id),
      remove: (id) => s.remove(id),
    });
  });
}

/** `wave schedule list [--json]`: name, timetable, next and last run. */
export async function runScheduleList(io: CliIO, raw: unknown): Promise<number> {
  const opts = parseFlags(Flags.extend({ json: z.boolean().optional() }), raw);
  const schedules = await withSchedules(io, opts, (ops) => ops.list());
  if (opts.json) {
    out(io, JSON.stringify({ schedules }, null, 2));
    return EXIT.ok;
  }
  if (!schedules.length) {
    out(io, 'no schedules (add one with wave schedule add NAME PIPELINE --cron EXPR)');
    return EXIT.ok;
  }
  out(
    io,
    table(
      ['NAME', 'PIPELINE', 'WHEN', 'ZONE', 'STATE', 'NEXT RUN', 'LAST RUN', 'SOURCE'],
      schedules.map((s) => [
        s.name,
        s.pipeline,
        s.cron ?? s.rrule ?? '',
        s.timezone,
        s.paused ? 'paused' : 'active',
        s.next_run_at ?? '-',
        s.last_run ? `${s.last_run.at} ${s.last_run.status} (${s.last_run.run_id})` : '-',
        s.source,
      ]),
    ),
  );
  return EXIT.ok;
}

const AddFlags = Flags.extend({
  name: z.string().min(1),
  pipeline: z.string().min(1),
  cron: z.string().min(1).optional(),
  rrule: z.string().min(1).optional(),
  tz: z.string().min(1).optional(),
  input: z.string().optional(),
  overlap: z.enum(['skip', 'queue']).optional(),
  catchUp: z.enum(['skip', 'one']).optional(),
});

/** `wave schedule add NAME PIPELINE --cron EXPR | --rrule R [--tz Z] [--input T]`. */
export async function runScheduleAdd(io: CliIO, raw: unknown): Promise<number> {
  const opts = parseFlags(AddFlags, raw);
  if ((opts.cron === undefined) === (opts.rrule === undefined))
    throw new ExitError(EXIT.usage, 'give exactly one of --cron EXPR and --rrule RULE');
  const s = await withSchedules(io, opts, (ops) =>
    ops.add({
      name: opts.name,
      pipeline: opts.pipeline,
      ...(opts.cron !== undefined ? { cron: opts.cron } : { rrule: opts.rrule ?? null }),
      ...(opts.tz ? { timezone: opts.tz } : {}),
      ...(opts.input !== undefined ? { input: opts.input } : {}),
      ...(opts.overlap ? { overlap: opts.overlap } : {}),
      ...(opts.catchUp ? { catch_up: opts.catchUp } : {}),
    }),
  );
  out(io, `added schedule ${s.name} (${s.id}); next run ${s.next_run_at ?? 'never'}`);
  return EXIT.ok;
}

const IdFlags = Flags.extend({ id: z.string().min(1) });

/** `wave schedule pause|resume ID-OR-NAME`. */
export async function runSchedulePause(io: CliIO, raw: unknown, paused: boolean): Promise<number> {
  const opts = parseFlags(IdFlags, raw);
  const s = await withSchedules(io, opts, (ops) => ops.setPaused(opts.id, paused));
  out(io, paused ? `paused ${s.name}` : `resumed ${s.name}; next run ${s.next_run_at ?? 'never'}`);
  return EXIT.ok;
}

/** `wave schedule run ID-OR-NAME`: a run now, queued for the server. */
export async function runScheduleRun(io: CliIO, raw: unknown): Promise<number> {
  const opts = parseFlags(IdFlags, raw);
  const run = await withSchedules(io, opts, (ops) => ops.run(opts.id));
  out(io, run.id);
  return EXIT.ok;
}

/** `wave schedule rm ID-OR-NAME` (not for schedules declared in wave.yaml). */
export async function runScheduleRemove(io: CliIO, raw: unknown): Promise<number> {
  const opts = parseFlags(IdFlags, raw);
  await withSchedules(io, opts, (ops) => ops.remove(opts.id));
  out(io, `removed ${opts.id}`);
  return EXIT.ok;
}
