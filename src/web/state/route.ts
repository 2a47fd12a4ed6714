import type { RunStatus } from '../api/types.js';
import { type BoardFilter, RUN_STATUSES } from './board.js';

/** The pages of the UI, as the URL names them (history routing: the server answers index.html). */
export type Route =
  | { page: 'board'; filter: BoardFilter }
  | { page: 'run'; id: string }
  | { page: 'start'; pipeline: string | null }
  | { page: 'pipelines' }
  | { page: 'pipeline'; name: string }
  | { page: 'personas' }
  | { page: 'schedules' }
  | { page: 'insights' }
  | { page: 'not-found'; path: string };

function decode(segment: string): string | null {
  try {
    const value = decodeURIComponent(segment);
    return value === '' ? null : value;
  } catch {
    return null;
  }
}

export function parseRoute(pathname: string, search = ''): Route {
  const query = new URLSearchParams(search);
  const parts = pathname.split('/').filter(Boolean);
  const [first, second, ...rest] = parts;
  if (rest.length === 0) {
    if (first === undefined || (first === 'runs' && second === undefined)) {
      return { page: 'board', filter: filterFromQuery(query) };
    }
    if (first === 'runs' && second !== undefined) {
      const id = decode(second);
      if (id) return { page: 'run', id };
    }
    if (first === 'new' && second === undefined) {
      return { page: 'start', pipeline: query.get('pipeline') || null };
    }
    if (first === 'pipelines') {
      if (second === undefined) return { page: 'pipelines' };
      const name = decode(second);
      if (name) return { page: 'pipeline', name };
    }
    if (first === 'personas' && second === undefined) return { page: 'personas' };
    if (first === 'schedules' && second === undefined) return { page: 'schedules' };
    if (first === 'insights' && second === undefined) return { page: 'insights' };
  }
  return { page: 'not-found', path: pathname };
}

function filterFromQuery(query: URLSearchParams): BoardFilter {
  const status = query.get('status');
  return {
    pipeline: query.get('pipeline') || null,
    status: RUN_STATUSES.includes(status as RunStatus) ? (status as RunStatus) : null,
  };
}

export function boardHref(filter: BoardFilter): string {
  const query = new URLSearchParams();
  if (filter.pipeline) query.set('pipeline', filter.pipeline);
  if (filter.status) query.set('status', filter.status);
  const text = query.toString();
  return text ? `/?${text}` : '/';
}

export const runHref = (id: string) => `/runs/${encodeURIComponent(id)}`;
export const pipelineHref = (name: string) => `/pipelines/${encodeURIComponent(name)}`;
export const startHref = (pipeline?: string) =>
  pipeline ? `/new?pipeline=${encodeURIComponent(pipeline)}` : '/new';
