import { z } from 'zod';
import { Insights, Retrospective } from '../api/insights-schemas.js';
import { Schedule } from '../api/schedule-schemas.js';
import { DiffStat, Gate, Health, Persona, Pipeline, Run, RunDetail } from '../api/schemas.js';
import type { WaveEvent } from '../events/catalogue.js';
import { apiError } from './api-error.js';
import { type EventWatcher, watchAllEvents } from './events-stream.js';
import { type FollowOptions, followRunEvents } from './sse.js';
import { type ClientOptions, Transport } from './transport.js';

export type { ClientOptions };

const RunList = z.object({ runs: z.array(Run), next_cursor: z.string().nullable() });
const PipelineList = z.object({ pipelines: z.array(Pipeline) });
const PipelineWithSource = Pipeline.extend({ source: z.string() });
const PersonaList = z.object({ personas: z.array(Persona) });
const ScheduleList = z.object({ schedules: z.array(Schedule) });

/**
 * A typed client of the Wave API, parsing every answer with the schemas the server validates
 * with (src/api/schemas.ts). Errors come back as WaveErrors carrying the server's code.
 */
export class WaveClient {
  private readonly transport: Transport;

  constructor(opts: ClientOptions) {
    this.transport = new Transport(opts);
  }

  get baseUrl(): string {
    return this.transport.base.origin;
  }

  private async json<S extends z.ZodType>(
    schema: S,
    method: string,
    path: string,
    what: string,
    opts: { body?: unknown; headers?: Record<string, string> } = {},
  ) {
    const res = await this.transport.request(method, path, opts);
    if (res.status >= 400) throw apiError(res, what);
    return { status: res.status, body: schema.parse(JSON.parse(res.body)) as z.infer<S> };
  }

  async health() {
    return (await this.json(Health, 'GET', '/api/health', 'the health check')).body;
  }

  /** API.md "Insights and retrospectives": figures over a window (`since`/`until`: ISO or `7d`). */
  async insights(query: { pipeline?: string; since?: string; until?: string }) {
    const qs = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => Boolean(e[1])));
    const path = `/api/insights${qs.size ? `?${qs}` : ''}`;
    return (await this.json(Insights, 'GET', path, 'reading insights')).body;
  }

  async retrospective(runId: string) {
    const path = `/api/runs/${encodeURIComponent(runId)}/retrospective`;
    return (await this.json(Retrospective, 'GET', path, `reading the retrospective of ${runId}`)).body;
  }

  async listPipelines() {
    return (await this.json(PipelineList, 'GET', '/api/pipelines', 'listing pipelines')).body.pipelines;
  }

  async getPipeline(name: string) {
    return (
      await this.json(
        PipelineWithSource,
        'GET',
        `/api/pipelines/${encodeURIComponent(name)}`,
        `reading pipeline ${name}`,
      )
    ).body;
  }

  async listPersonas() {
    return (await this.json(PersonaList, 'GET', '/api/personas', 'listing personas')).body.personas;
  }

  async createRun(
    body: { pipeline: string; input?: string; labels?: Record<string, string> },
    idempotencyKey?: string,
  ) {
    const res = await this.json(Run, 'POST', '/api/runs', 'submitting the run', {
      body,
      ...(idempotencyKey ? { headers: { 'idempotency-key': idempotencyKey } } : {}),
    });
    return { run: res.body, created: res.status === 201 };
  }

  async listRuns(
    query: {
      status?: readonly string[];
      pipeline?: string;
      labels?: Record<string, string>;
      limit?: number;
      cursor?: string;
      /** Only this run's child runs. */
      parent?: string;
    } = {},
  ) {
    const q = new URLSearchParams();
    if (query.status?.length) q.set('status', query.status.join(','));
    if (query.pipeline) q.set('pipeline', query.pipeline);
    for (const [k, v] of Object.entries(query.labels ?? {})) q.append('label', `${k}:${v}`);
    if (query.limit) q.set('limit', String(query.limit));
    if (query.cursor) q.set('cursor', query.cursor);
    if (query.parent) q.set('parent', query.parent);
    const qs = q.toString();
    return (await this.json(RunList, 'GET', `/api/runs${qs ? `?${qs}` : ''}`, 'listing runs')).body;
  }

  async getRun(id: string) {
    return (await this.json(RunDetail, 'GET', `/api/runs/${encodeURIComponent(id)}`, `reading run ${id}`))
      .body;
  }

  /** POST /api/runs/:id/retry or /fork: the new run (API.md "Lineage"). */
  async deriveRun(id: string, how: { kind: 'retry' } | { kind: 'fork'; fromStep: string; input?: string }) {
    const path = `/api/runs/${encodeURIComponent(id)}/${how.kind}`;
    const body =
      how.kind === 'fork'
        ? { from_step: how.fromStep, ...(how.input !== undefined ? { input: how.input } : {}) }
        : undefined;
    return (
      await this.json(
        Run,
        'POST',
        path,
        `${how.kind === 'fork' ? 'forking' : 'retrying'} run ${id}`,
        body ? { body } : {},
      )
    ).body;
  }

  async cancelRun(id: string) {
    return (
      await this.json(Run, 'POST', `/api/runs/${encodeURIComponent(id)}/cancel`, `cancelling run ${id}`)
    ).body;
  }

  async listSchedules() {
    return (await this.json(ScheduleList, 'GET', '/api/schedules', 'listing schedules')).body.schedules;
  }

  async createSchedule(body: Record<string, unknown>) {
    return (await this.json(Schedule, 'POST', '/api/schedules', 'creating the schedule', { body })).body;
  }

  /** pause, resume: the schedule as it is now. */
  async scheduleAction(id: string, action: 'pause' | 'resume') {
    return (
      await this.json(
        Schedule,
        'POST',
        `/api/schedules/${encodeURIComponent(id)}/${action}`,
        `${action} ${id}`,
      )
    ).body;
  }

  async runSchedule(id: string) {
    return (
      await this.json(Run, 'POST', `/api/schedules/${encodeURIComponent(id)}/run`, `running schedule ${id}`)
    ).body;
  }

  async deleteSchedule(id: string): Promise<void> {
    const res = await this.transport.request('DELETE', `/api/schedules/${encodeURIComponent(id)}`, {});
    if (res.status >= 400) throw apiError(res, `deleting schedule ${id}`);
  }

  async answerGate(id: string, step: string, body: { choice?: string; text?: string; approved?: boolean }) {
    return (
      await this.json(
        Gate,
        'POST',
        `/api/runs/${encodeURIComponent(id)}/gate/${encodeURIComponent(step)}`,
        `answering gate ${step}`,
        { body },
      )
    ).body;
  }

  /** The run's (or a step's) unified diff. */
  async getDiff(id: string, step?: string): Promise<string> {
    const res = await this.transport.request('GET', diffPath(id, step, false), {
      headers: { accept: 'text/x-diff' },
    });
    if (res.status >= 400) throw apiError(res, `reading the changes of ${id}`);
    return res.body;
  }

  async getDiffStat(id: string, step?: string) {
    return (await this.json(DiffStat, 'GET', diffPath(id, step, true), `reading the changes of ${id}`)).body;
  }

  /** The run's output as text (`[step] line`) or NDJSON, chunk by chunk as it arrives: never held whole. */
  async logStream(
    id: string,
    opts: { step?: string; format?: 'text' | 'ndjson' } = {},
  ): Promise<AsyncIterable<Buffer>> {
    const q = new URLSearchParams();
    if (opts.step) q.set('step', opts.step);
    if (opts.format) q.set('format', opts.format);
    const qs = q.toString();
    const res = await this.transport.open(
      'GET',
      `/api/runs/${encodeURIComponent(id)}/logs${qs ? `?${qs}` : ''}`,
      { headers: { accept: 'text/plain' } },
    );
    if ((res.statusCode ?? 0) >= 400)
      throw apiError(await this.transport.body(res), `reading the logs of ${id}`);
    const transport = this.transport;
    return (async function* () {
      try {
        for await (const chunk of res) yield chunk as Buffer;
      } catch (err) {
        // A body cut short (the server went away) must not look like the end of the log.
        throw transport.unreachable(err);
      }
    })();
  }

  /** Follows a run's events to its end, reconnecting with Last-Event-ID; resolves with the terminal event. */
  followRun(
    id: string,
    onEvent: (e: WaveEvent) => void | Promise<void>,
    opts: FollowOptions = {},
  ): Promise<WaveEvent | null> {
    return followRunEvents(this.transport, id, onEvent, opts);
  }

  /** Follows the events of every run until `signal` aborts, reconnecting with Last-Event-ID. */
  watchEvents(watcher: EventWatcher, signal: AbortSignal): Promise<void> {
    return watchAllEvents(this.transport, watcher, signal);
  }
}

function diffPath(id: string, step: string | undefined, stat: boolean): string {
  const q = new URLSearchParams();
  if (step) q.set('step', step);
  if (stat) q.set('stat', 'true');
  const qs = q.toString();
  return `/api/runs/${encodeURIComponent(id)}/diff${qs ? `?${qs}` : ''}`;
}
