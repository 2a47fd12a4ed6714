import { randomBytes } from 'node:crypto';
import type { Project } from '../config/load-project.js';
import type { ScheduleConfig } from '../config/manifest-schema.js';
import { WaveError } from '../errors.js';
import type { Clock } from '../scheduler/clock.js';
import { compileTimetable, upcoming } from '../scheduler/timetable.js';
import type { NewSchedule, RunRecord, SchedulePatch, ScheduleRecord, ScheduleStore } from '../store/store.js';
import type { CreateRunRequest, RunService } from './run-service.js';
import type { RunView } from './views.js';

/** API.md "Schedules": the Schedule object. */
export interface ScheduleView {
  id: string;
  name: string;
  pipeline: string;
  input: string | null;
  labels: Record<string, string>;
  cron: string | null;
  rrule: string | null;
  timezone: string;
  overlap: 'skip' | 'queue';
  catch_up: 'skip' | 'one';
  paused: boolean;
  source: 'api' | 'config';
  next_run_at: string | null;
  last_run: { run_id: string; at: string; status: string } | null;
  created_at: string;
}

/** The writable fields, as the API and the CLI give them. */
export interface ScheduleInput {
  name: string;
  pipeline: string;
  cron?: string | null | undefined;
  rrule?: string | null | undefined;
  timezone?: string | undefined;
  input?: string | null | undefined;
  labels?: Record<string, string> | undefined;
  overlap?: 'skip' | 'queue' | undefined;
  catch_up?: 'skip' | 'one' | undefined;
  paused?: boolean | undefined;
}

export type SchedulePatchInput = Partial<Omit<ScheduleInput, 'paused'>>;

export interface ScheduleServiceDeps {
  schedules: ScheduleStore;
  runs: Pick<RunService, 'submit' | 'list'>;
  project: Pick<Project, 'pipelineNames'>;
  clock: Clock;
  /** Told when schedules changed here, so the ticker looks again at once. */
  changed(): void;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/**
 * Schedules as callers (routes, CLI, the ticker) use them, with the checks and errors of API.md:
 * invalid_request naming the field, schedule_not_found, schedule_from_config.
 */
export class ScheduleService {
  constructor(private readonly deps: ScheduleServiceDeps) {}

  view(s: ScheduleRecord): ScheduleView {
    const now = this.deps.clock.now();
    let next: number | null = null;
    if (!s.paused) {
      try {
        next = compileTimetable(s).next(Math.max(now, s.consideredUntil));
      } catch {
        next = null;
      }
    }
    return {
      id: s.id,
      name: s.name,
      pipeline: s.pipeline,
      input: s.input,
      labels: s.labels,
      cron: s.cron,
      rrule: s.rrule,
      timezone: s.timezone,
      overlap: s.overlap,
      catch_up: s.catchUp,
      paused: s.paused,
      source: s.source,
      next_run_at: next === null ? null : new Date(next).toISOString(),
      last_run: s.lastRun
        ? { run_id: s.lastRun.runId, at: new Date(s.lastRun.at).toISOString(), status: s.lastRun.status }
        : null,
      created_at: new Date(s.createdAt).toISOString(),
    };
  }

  async list(): Promise<ScheduleView[]> {
    return (await this.deps.schedules.list()).map((s) => this.view(s));
  }

  async require(id: string): Promise<ScheduleRecord> {
    const s = (await this.deps.schedules.get(id)) ?? (await this.deps.schedules.getByName(id));
    if (!s) throw new WaveError('schedule_not_found', `no schedule with id or name "${id}"`, { id });
    return s;
  }

  /** The next `count` times of a timetable, checked as a create would check it. */
  preview(spec: { cron?: string | null; rrule?: string | null; timezone?: string }, count = 5): string[] {
    const timetable = compileTimetable({
      cron: spec.cron ?? null,
      rrule: spec.rrule ?? null,
      timezone: spec.timezone ?? 'UTC',
    });
    return upcoming(timetable, this.deps.clock.now(), count).map((t) => new Date(t).toISOString());
  }

  private checked(input: ScheduleInput, source: 'api' | 'config'): NewSchedule {
    if (!NAME.test(input.name))
      throw new WaveError(
        'invalid_request',
        'name: letters, digits, ".", "_" or "-", starting with a letter or digit (at most 100)',
        { field: 'name' },
      );
    this.checkPipeline(input.pipeline);
    const spec = { cron: input.cron ?? null, rrule: input.rrule ?? null, timezone: input.timezone ?? 'UTC' };
    compileTimetable(spec);
    return {
      id: `sch_${randomBytes(8).toString('hex')}`,
      name: input.name,
      pipeline: input.pipeline,
      input: input.input ?? null,
      labels: input.labels ?? {},
      ...spec,
      overlap: input.overlap ?? 'skip',
      catchUp: input.catch_up ?? 'skip',
      paused: input.paused ?? false,
      source,
      createdAt: this.deps.clock.now(),
    };
  }

  private checkPipeline(name: string): void {
    if (!this.deps.project.pipelineNames().includes(name))
      throw new WaveError('invalid_request', `pipeline: no pipeline named "${name}"`, { field: 'pipeline' });
  }

  async create(input: ScheduleInput): Promise<ScheduleView> {
    const record = await this.deps.schedules.create(this.checked(input, 'api'), this.deps.clock.now());
    if (!record)
      throw new WaveError('invalid_request', `name: a schedule named "${input.name}" exists`, {
        field: 'name',
      });
    this.deps.changed();
    return this.view(record);
  }

  private async writable(id: string): Promise<ScheduleRecord> {
    const s = await this.require(id);
    if (s.source === 'config')
      throw new WaveError(
        'schedule_from_config',
        `schedule "${s.name}" is declared in wave.yaml: change it there (pause and run-now work)`,
        { id: s.id },
      );
    return s;
  }

  async update(id: string, patch: SchedulePatchInput): Promise<ScheduleView> {
    const s = await this.writable(id);
    if (patch.name !== undefined && !NAME.test(patch.name))
      throw new WaveError('invalid_request', 'name: letters, digits, ".", "_" or "-"', { field: 'name' });
    if (patch.pipeline !== undefined) this.checkPipeline(patch.pipeline);
    // Giving one kind of expression replaces the other.
    const cron = patch.cron !== undefined ? patch.cron : patch.rrule ? null : s.cron;
    const rrule = patch.rrule !== undefined ? patch.rrule : patch.cron ? null : s.rrule;
    const timezone = patch.timezone ?? s.timezone;
    compileTimetable({ cron, rrule, timezone });
    if (patch.name !== undefined && patch.name !== s.name) {
      const other = await this.deps.schedules.getByName(patch.name);
      if (other)
        throw new WaveError('invalid_request', `name: a schedule named "${patch.name}" exists`, {
          field: 'name',
        });
    }
    const changes: SchedulePatch = {
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.pipeline !== undefined ? { pipeline: patch.pipeline } : {}),
      ...(patch.input !== undefined ? { input: patch.input } : {}),
      ...(patch.labels !== undefined ? { labels: patch.labels } : {}),
      ...(patch.overlap !== undefined ? { overlap: patch.overlap } : {}),
      ...(patch.catch_up !== undefined ? { catchUp: patch.catch_up } : {}),
      ...(cron !== s.cron || rrule !== s.rrule || timezone !== s.timezone ? { cron, rrule, timezone } : {}),
    };
    const updated = await this.deps.schedules.update(s.id, changes, this.deps.clock.now());
    if (!updated) throw new WaveError('schedule_not_found', `no schedule with id "${id}"`, { id });
    this.deps.changed();
    return this.view(updated);
  }

  async remove(id: string): Promise<void> {
    const s = await this.writable(id);
    await this.deps.schedules.delete(s.id);
    this.deps.changed();
  }

  async setPaused(id: string, paused: boolean): Promise<ScheduleView> {
    const s = await this.require(id);
    const updated = await this.deps.schedules.setPaused(s.id, paused, this.deps.clock.now());
    if (!updated) throw new WaveError('schedule_not_found', `no schedule with id "${id}"`, { id });
    this.deps.changed();
    return this.view(updated);
  }

  /** A run now, whatever the timetable says; same trigger and label as a slot's run. */
  async runNow(id: string): Promise<RunRecord> {
    return this.start(await this.require(id), null);
  }

  /** The run of a claimed slot (the ticker's `fire`). */
  async fire(schedule: ScheduleRecord, slotAt: number): Promise<void> {
    await this.start(schedule, slotAt);
  }

  private async start(s: ScheduleRecord, slotAt: number | null): Promise<RunRecord> {
    const req: CreateRunRequest = {
      pipeline: s.pipeline,
      input: s.input,
      labels: { ...s.labels, schedule: s.name },
      trigger: { source: 'schedule', actor: s.name },
      mode: 'server',
      // A slot fired again (its first server died mid-way) gets the run it may already have.
      ...(slotAt !== null ? { idempotencyKey: `schedule:${s.id}:${slotAt}` } : {}),
    };
    const { run } = await this.deps.runs.submit(req);
    await this.deps.schedules.recordRun(s.id, slotAt, run.id, this.deps.clock.now());
    return run;
  }

  /** The schedule's runs, newest first. */
  async runs(
    id: string,
    page: { limit: number; cursor?: string },
  ): Promise<{ runs: RunView[]; next_cursor: string | null }> {
    const s = await this.require(id);
    return this.deps.runs.list({
      labels: { schedule: s.name },
      limit: page.limit,
      ...(page.cursor ? { cursor: page.cursor } : {}),
    });
  }

  /**
   * Makes the store's config schedules those of wave.yaml; an invalid one is invalid_config
   * naming its entry, so `wave serve` refuses to start with it.
   */
  async loadConfig(declared: ScheduleConfig[]): Promise<void> {
    const records = declared.map((d, i) => {
      if (declared.findIndex((o) => o.name === d.name) !== i)
        throw new WaveError(
          'invalid_config',
          `wave.yaml schedules[${i}]: another schedule is named "${d.name}"`,
        );
      try {
        return this.checked(d, 'config');
      } catch (err) {
        if (!(err instanceof WaveError)) throw err;
        throw new WaveError(
          'invalid_config',
          `wave.yaml schedules[${i}] (${d.name}): ${err.message}`,
          err.details,
        );
      }
    });
    await this.deps.schedules.syncConfig(records, this.deps.clock.now());
    this.deps.changed();
  }
}
