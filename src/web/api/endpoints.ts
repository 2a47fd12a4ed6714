import { requestJson, send } from './http.js';
import type {
  DiffStat,
  Gate,
  Insights,
  Persona,
  Pipeline,
  PipelineWithSource,
  Retrospective,
  Run,
  RunDetail,
  RunPage,
  RunStatus,
  Schedule,
} from './types.js';

const enc = encodeURIComponent;

export interface RunQuery {
  statuses?: readonly RunStatus[];
  pipeline?: string | null;
  limit?: number;
  cursor?: string | null;
  /** Only this run's child runs (the API lists top-level runs otherwise). */
  parent?: string;
  /** Only this run's retries and forks. */
  origin?: string;
}

export function listRuns(q: RunQuery = {}, signal?: AbortSignal): Promise<RunPage> {
  const query = new URLSearchParams();
  if (q.statuses?.length) query.set('status', q.statuses.join(','));
  if (q.pipeline) query.set('pipeline', q.pipeline);
  if (q.limit) query.set('limit', String(q.limit));
  if (q.cursor) query.set('cursor', q.cursor);
  if (q.parent) query.set('parent', q.parent);
  if (q.origin) query.set('origin', q.origin);
  const text = query.toString();
  return requestJson(`/api/runs${text ? `?${text}` : ''}`, signal ? { signal } : {});
}

export const getRun = (id: string) => requestJson<RunDetail>(`/api/runs/${enc(id)}`);

export const getRetrospective = (id: string) =>
  requestJson<Retrospective>(`/api/runs/${enc(id)}/retrospective`);

export function getInsights(q: { pipeline?: string; since?: string } = {}): Promise<Insights> {
  const query = new URLSearchParams(Object.entries(q).filter((e): e is [string, string] => Boolean(e[1])));
  return requestJson(`/api/insights${query.size ? `?${query}` : ''}`);
}

export const createRun = (body: { pipeline: string; input?: string; labels?: Record<string, string> }) =>
  // The header makes the server record the run's trigger as `ui`.
  requestJson<Run>('/api/runs', { method: 'POST', body, headers: { 'x-wave-client': 'ui' } });

export const cancelRun = (id: string) =>
  requestJson<Run>(`/api/runs/${enc(id)}/cancel`, { method: 'POST', body: {} });

export const retryRun = (id: string) =>
  requestJson<Run>(`/api/runs/${enc(id)}/retry`, {
    method: 'POST',
    body: {},
    headers: { 'x-wave-client': 'ui' },
  });

export const forkRun = (id: string, fromStep: string) =>
  requestJson<Run>(`/api/runs/${enc(id)}/fork`, {
    method: 'POST',
    body: { from_step: fromStep },
    headers: { 'x-wave-client': 'ui' },
  });

export const answerGate = (id: string, step: string, answer: { choice: string; text?: string }) =>
  requestJson<Gate>(`/api/runs/${enc(id)}/gate/${enc(step)}`, { method: 'POST', body: answer });

export const listPipelines = () =>
  requestJson<{ pipelines: Pipeline[] }>('/api/pipelines').then((r) => r.pipelines);

export const getPipeline = (name: string) => requestJson<PipelineWithSource>(`/api/pipelines/${enc(name)}`);

export const listPersonas = () =>
  requestJson<{ personas: Persona[] }>('/api/personas').then((r) => r.personas);

/** An artifact as a Blob: fetched with the bearer token, which a plain link could not carry. */
export async function fetchArtifact(id: string, step: string, name: string): Promise<Blob> {
  const res = await send(`/api/runs/${enc(id)}/artifacts/${enc(step)}/${enc(name)}`, {
    headers: { accept: '*/*' },
  });
  return res.blob();
}

/** The run's whole log as text (`wave logs`), for saving. */
export async function fetchLogText(id: string): Promise<Blob> {
  const res = await send(`/api/runs/${enc(id)}/logs`, { headers: { accept: 'text/plain' } });
  return res.blob();
}

/** The run's files with added and removed line counts (404 `no_changes` without any). */
export const fetchDiffStat = (id: string) => requestJson<DiffStat>(`/api/runs/${enc(id)}/diff?stat=true`);

/** The run's unified diff, as text. */
export async function fetchDiffText(id: string): Promise<string> {
  const res = await send(`/api/runs/${enc(id)}/diff`, { headers: { accept: 'text/x-diff' } });
  return res.text();
}

export const listSchedules = () =>
  requestJson<{ schedules: Schedule[] }>('/api/schedules').then((r) => r.schedules);

export interface ScheduleDraft {
  name: string;
  pipeline: string;
  cron?: string;
  rrule?: string;
  timezone: string;
  input?: string;
  overlap: 'skip' | 'queue';
  catch_up: 'skip' | 'one';
}

export const createSchedule = (body: ScheduleDraft) =>
  requestJson<Schedule>('/api/schedules', { method: 'POST', body });

/** The next times of a timetable, checked by the server as a create would be. */
export const previewSchedule = (
  body: { cron?: string; rrule?: string; timezone: string },
  signal?: AbortSignal,
) =>
  requestJson<{ next: string[] }>('/api/schedules/preview', {
    method: 'POST',
    body,
    ...(signal ? { signal } : {}),
  }).then((r) => r.next);

export const scheduleAction = (id: string, action: 'pause' | 'resume') =>
  requestJson<Schedule>(`/api/schedules/${enc(id)}/${action}`, { method: 'POST', body: {} });

export const runScheduleNow = (id: string) =>
  requestJson<Run>(`/api/schedules/${enc(id)}/run`, { method: 'POST', body: {} });
