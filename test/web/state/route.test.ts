import { describe, expect, it } from 'vitest';
import { boardHref, parseRoute, pipelineHref, runHref, startHref } from '../../../src/web/state/route.js';

describe('routes', () => {
  it('parses every page of the UI', () => {
    expect(parseRoute('/')).toEqual({ page: 'board', filter: { pipeline: null, status: null } });
    expect(parseRoute('/', '?pipeline=ci&status=failed')).toEqual({
      page: 'board',
      filter: { pipeline: 'ci', status: 'failed' },
    });
    expect(parseRoute('/', '?status=bogus').page).toBe('board');
    expect(parseRoute('/', '?status=bogus')).toMatchObject({ filter: { status: null } });
    expect(parseRoute('/runs/hello-1')).toEqual({ page: 'run', id: 'hello-1' });
    expect(parseRoute('/new', '?pipeline=hello')).toEqual({ page: 'start', pipeline: 'hello' });
    expect(parseRoute('/new')).toEqual({ page: 'start', pipeline: null });
    expect(parseRoute('/pipelines')).toEqual({ page: 'pipelines' });
    expect(parseRoute('/pipelines/a%20b')).toEqual({ page: 'pipeline', name: 'a b' });
    expect(parseRoute('/personas/')).toEqual({ page: 'personas' });
    expect(parseRoute('/schedules')).toEqual({ page: 'schedules' });
    expect(parseRoute('/schedules/x')).toEqual({ page: 'not-found', path: '/schedules/x' });
    expect(parseRoute('/nope/x/y')).toEqual({ page: 'not-found', path: '/nope/x/y' });
    expect(parseRoute('/runs/%E0%A4%A')).toEqual({ page: 'not-found', path: '/runs/%E0%A4%A' });
  });

  it('builds links that parse back to the same page', () => {
    const filter = { pipeline: 'a&b', status: 'waiting' as const };
    const href = new URL(boardHref(filter), 'http://x');
    expect(parseRoute(href.pathname, href.search)).toEqual({ page: 'board', filter });
    expect(boardHref({ pipeline: null, status: null })).toBe('/');
    expect(parseRoute(runHref('a/b?c'))).toEqual({ page: 'run', id: 'a/b?c' });
    expect(parseRoute(pipelineHref('x y'))).toEqual({ page: 'pipeline', name: 'x y' });
    const start = new URL(startHref('p q'), 'http://x');
    expect(parseRoute(start.pathname, start.search)).toEqual({ page: 'start', pipeline: 'p q' });
  });
});
