import { describe, expect, it } from 'vitest';
import { api, startTestServer } from '../../helpers/server.js';
import { expectError, type RunBody, serverProject } from '../support.js';

interface ScheduleBody {
  id: string;
  name: string;
  pipeline: string;
  cron: string | null;
  rrule: string | null;
  timezone: string;
  overlap: string;
  catch_up: string;
  paused: boolean;
  source: string;
  next_run_at: string | null;
  last_run: { run_id: string; at: string; status: string } | null;
  created_at: string;
  [key: string]: unknown;
}

const CONFIG = {
  'wave.yaml': `schedules:\n  - { name: nightly, pipeline: quick, cron: "0 3 * * *", timezone: Europe/Berlin }\n`,
};

describe('/api/schedules', () => {
  it('create, get, list, patch, pause, resume, run now, runs, delete', async () => {
    const server = await startTestServer(serverProject());
    const created = await api<ScheduleBody>(server, 'POST', '/api/schedules', {
      name: 'hourly',
      pipeline: 'quick',
      rrule: 'FREQ=HOURLY;BYMINUTE=15',
      timezone: 'Asia/Kolkata',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const s = created.body;
    expect(Object.keys(s).sort()).toEqual(
      [
        'catch_up',
        'created_at',
        'cron',
        'id',
        'input',
        'labels',
        'last_run',
        'name',
        'next_run_at',
        'overlap',
        'paused',
        'pipeline',
        'rrule',
        'source',
        'timezone',
      ].sort(),
    );
    expect(s).toMatchObject({ source: 'api', overlap: 'skip', catch_up: 'skip', paused: false, cron: null });
    // Kolkata is UTC+05:30: minute 15 local is minute 45 UTC.
    expect(new Date(s.next_run_at!).getUTCMinutes()).toBe(45);
    expect((await api(server, 'GET', `/api/schedules/${s.id}`)).body).toEqual(s);
    expect(
      (await api<{ schedules: ScheduleBody[] }>(server, 'GET', '/api/schedules')).body.schedules,
    ).toEqual([s]);

    const patched = await api<ScheduleBody>(server, 'PATCH', `/api/schedules/${s.id}`, { cron: '0 0 * * *' });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body).toMatchObject({ cron: '0 0 * * *', rrule: null, timezone: 'Asia/Kolkata' });

    const paused = await api<ScheduleBody>(server, 'POST', `/api/schedules/${s.id}/pause`);
    expect(paused.body).toMatchObject({ paused: true, next_run_at: null });
    const resumed = await api<ScheduleBody>(server, 'POST', `/api/schedules/${s.id}/resume`);
    expect(resumed.body.paused).toBe(false);
    expect(resumed.body.next_run_at).not.toBeNull();

    const run = await api<RunBody>(server, 'POST', `/api/schedules/${s.id}/run`);
    expect(run.status, JSON.stringify(run.body)).toBe(201);
    expect(run.body.trigger).toEqual({ source: 'schedule', actor: 'hourly' });
    expect(run.body.labels).toEqual({ schedule: 'hourly' });
    const runs = await api<{ runs: RunBody[]; next_cursor: string | null }>(
      server,
      'GET',
      `/api/schedules/${s.id}/runs`,
    );
    expect(runs.body.runs.map((r) => r.id)).toEqual([run.body.id]);
    const after = await api<ScheduleBody>(server, 'GET', `/api/schedules/${s.id}`);
    expect(after.body.last_run).toMatchObject({ run_id: run.body.id });

    expect((await api(server, 'DELETE', `/api/schedules/${s.id}`)).status).toBe(204);
    expectError(await api(server, 'GET', `/api/schedules/${s.id}`), 404, 'schedule_not_found');
  });

  it('invalid expressions, zones and pipelines are 400 invalid_request naming the field', async () => {
    const server = await startTestServer(serverProject());
    const cases: [Record<string, unknown>, string][] = [
      [{ name: 'a', pipeline: 'quick', cron: '99 * * * *' }, 'cron'],
      [{ name: 'a', pipeline: 'quick', rrule: 'FREQ=YEARLY' }, 'rrule'],
      [{ name: 'a', pipeline: 'quick', cron: '* * * * *', timezone: 'Nowhere/City' }, 'timezone'],
      [{ name: 'a', pipeline: 'nope', cron: '* * * * *' }, 'pipeline'],
      [{ name: 'a b', pipeline: 'quick', cron: '* * * * *' }, 'name'],
    ];
    for (const [body, field] of cases) {
      const error = expectError(await api(server, 'POST', '/api/schedules', body), 400, 'invalid_request');
      expect(error.details.field, JSON.stringify(body)).toBe(field);
    }
    expectError(
      await api(server, 'POST', '/api/schedules', {
        name: 'a',
        pipeline: 'quick',
        cron: '* * * * *',
        extra: 1,
      }),
      400,
      'invalid_request',
    );
    await api(server, 'POST', '/api/schedules', { name: 'a', pipeline: 'quick', cron: '* * * * *' });
    const dup = expectError(
      await api(server, 'POST', '/api/schedules', { name: 'a', pipeline: 'quick', cron: '* * * * *' }),
      400,
      'invalid_request',
    );
    expect(dup.details.field).toBe('name');
    for (const [method, path] of [
      ['GET', '/api/schedules/nope'],
      ['PATCH', '/api/schedules/nope'],
      ['DELETE', '/api/schedules/nope'],
      ['POST', '/api/schedules/nope/pause'],
      ['POST', '/api/schedules/nope/run'],
      ['GET', '/api/schedules/nope/runs'],
    ] as const) {
      expectError(
        await api(server, method, path, method === 'PATCH' ? {} : undefined),
        404,
        'schedule_not_found',
      );
    }
  });

  it('preview lists the next five times of a valid timetable and refuses an invalid one', async () => {
    const server = await startTestServer(serverProject());
    const res = await api<{ next: string[] }>(server, 'POST', '/api/schedules/preview', {
      cron: '0 12 * * 1',
      timezone: 'America/New_York',
    });
    expect(res.status).toBe(200);
    expect(res.body.next).toHaveLength(5);
    for (const t of res.body.next) expect(new Date(t).getUTCDay()).toBe(1);
    const bad = expectError(
      await api(server, 'POST', '/api/schedules/preview', { rrule: 'FREQ=DAILY;BYHOUR=25' }),
      400,
      'invalid_request',
    );
    expect(bad.details.field).toBe('rrule');
  });

  it('wave.yaml schedules are loaded with source config: PATCH and DELETE are 409, pause and run now work', async () => {
    const server = await startTestServer(serverProject(CONFIG));
    const list = (await api<{ schedules: ScheduleBody[] }>(server, 'GET', '/api/schedules')).body.schedules;
    expect(list).toHaveLength(1);
    const s = list[0]!;
    expect(s).toMatchObject({
      name: 'nightly',
      source: 'config',
      cron: '0 3 * * *',
      timezone: 'Europe/Berlin',
    });
    expectError(
      await api(server, 'PATCH', `/api/schedules/${s.id}`, { cron: '* * * * *' }),
      409,
      'schedule_from_config',
    );
    expectError(await api(server, 'DELETE', `/api/schedules/${s.id}`), 409, 'schedule_from_config');
    expect((await api<ScheduleBody>(server, 'POST', `/api/schedules/${s.id}/pause`)).body.paused).toBe(true);
    expect((await api(server, 'POST', `/api/schedules/${s.id}/run`)).status).toBe(201);
  });

  it('a restart keeps a config schedule with its id and pause state', async () => {
    const first = await startTestServer(serverProject(CONFIG));
    const s = (await api<{ schedules: ScheduleBody[] }>(first, 'GET', '/api/schedules')).body.schedules[0]!;
    await api(first, 'POST', `/api/schedules/${s.id}/pause`);
    await first.close();
    const again = await startTestServer({}, { root: first.root });
    const kept = (await api<{ schedules: ScheduleBody[] }>(again, 'GET', '/api/schedules')).body.schedules;
    expect(kept).toEqual([expect.objectContaining({ id: s.id, paused: true, source: 'config' })]);
  });

  it('an invalid schedule in wave.yaml stops the server from starting, naming the entry and field', async () => {
    const bad = { 'wave.yaml': 'schedules:\n  - { name: broken, pipeline: quick, rrule: "FREQ=MONTHLY" }\n' };
    await expect(startTestServer(serverProject(bad))).rejects.toMatchObject({
      code: 'invalid_config',
      message: expect.stringMatching(/schedules\[0\] \(broken\): rrule: FREQ/),
    });
  });
});
