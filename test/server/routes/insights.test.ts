import { describe, expect, it } from 'vitest';
import { eventually } from '../../helpers/eventually.js';
import { api, startTestServer } from '../../helpers/server.js';
import { yaml } from '../../helpers/tmp.js';
import { createRun, expectError, serverProject, waitForGate, waitForStatus } from '../support.js';

/** Bash: exits 1 on its first attempt (a counter file per run), 0 after. */
const FAIL_ONCE = `c="$WAVE_PROJECT_ROOT/$WAVE_RUN_ID.count"; n=$(($(cat "$c" 2>/dev/null || echo 0) + 1)); echo $n > "$c"; [ "$n" -ge 2 ] || { echo "flaked ($n)" >&2; exit 1; }`;

const RETRO = yaml`
  kind: WavePipeline
  steps:
    - id: flaky
      type: command
      script: '${FAIL_ONCE}'
      retry: { max_attempts: 2, base_delay: 1ms }
    - id: checked
      dependencies: [flaky]
      type: command
      script: 'touch empty'
      handover:
        contract: { type: non_empty_file, source: empty, on_failure: continue }
    - id: last
      dependencies: [checked]
      type: command
      script: 'true'
`;

interface RetroBody {
  run_id: string;
  status: string;
  duration_ms: number;
  queue_wait_ms: number;
  gate_wait_ms: number;
  critical_path: string[];
  slowest_steps: { step: string; duration_ms: number }[];
  retries: { step: string; attempts: number; reasons: string[] }[];
  contract_failures: { step: string; contract: string; errors: string[] }[];
  usage: { total: unknown; by_step: Record<string, unknown>; by_persona: Record<string, unknown> };
  narrative: string | null;
}

describe('GET /api/runs/:id/retrospective', () => {
  it('tells of a real run with a retry and a contract failure', async () => {
    const server = await startTestServer(serverProject({ '.wave/pipelines/retro.yaml': RETRO }), {
      flags: { mock: true },
    });
    const run = await createRun(server, 'retro');
    await waitForStatus(server, run.id, ['completed', 'failed'], 60_000);

    const res = await api<RetroBody>(server, 'GET', `/api/runs/${run.id}/retrospective`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const r = res.body;
    expect(r).toMatchObject({ run_id: run.id, status: 'completed', gate_wait_ms: 0, narrative: null });
    expect(r.critical_path).toEqual(['flaky', 'checked', 'last']);
    expect(r.retries).toHaveLength(1);
    expect(r.retries[0]).toMatchObject({ step: 'flaky', attempts: 2 });
    expect(r.retries[0]?.reasons).toHaveLength(1);
    expect(r.retries[0]?.reasons[0]).toContain('flaked (1)');
    expect(r.contract_failures).toEqual([
      { step: 'checked', contract: 'non_empty_file', errors: [expect.stringContaining('empty')] },
    ]);
    expect(r.queue_wait_ms).toBeGreaterThanOrEqual(0);
    for (const s of r.slowest_steps) expect(['flaky', 'checked', 'last']).toContain(s.step);
    for (const s of r.slowest_steps) expect(s.duration_ms).toBeLessThanOrEqual(r.duration_ms);
    expect(r.usage.total).toEqual({ tokens_in: 0, tokens_out: 0, cost_usd: 0 });
  });

  it('counts the time a gate waited for its answer', async () => {
    const server = await startTestServer(serverProject(), { flags: { mock: true } });
    const run = await createRun(server, 'gated');
    await waitForGate(server, run.id, 'ask');

    expectError(await api(server, 'GET', `/api/runs/${run.id}/retrospective`), 409, 'run_not_finished');

    // The gate must have waited a measurable time before it is answered.
    const waitingSince = Date.now();
    await eventually(() => Date.now() - waitingSince >= 50, 5000, 'the gate to have waited 50 ms');
    const answer = await api(server, 'POST', `/api/runs/${run.id}/gate/ask`, { choice: 'yes' });
    expect(answer.status).toBe(200);
    await waitForStatus(server, run.id, ['completed'], 60_000);

    const r = (await api<RetroBody>(server, 'GET', `/api/runs/${run.id}/retrospective`)).body;
    expect(r.gate_wait_ms).toBeGreaterThanOrEqual(50);
    expect(r.gate_wait_ms).toBeLessThanOrEqual(r.duration_ms);
    expect(r.critical_path).toEqual(['build', 'ask', 'ship']);
  });

  it('404 for an unknown run', async () => {
    const server = await startTestServer(serverProject());
    expectError(await api(server, 'GET', '/api/runs/nope/retrospective'), 404, 'run_not_found');
  });
});

describe('GET /api/insights', () => {
  it('counts the runs made through the API, and refuses a bad window', async () => {
    const server = await startTestServer(serverProject(), { flags: { mock: true } });
    const run = await createRun(server, 'quick');
    await waitForStatus(server, run.id, ['completed'], 60_000);

    const res = await api<{
      pipelines: { pipeline: string; runs: number; success_rate: number }[];
      daily: unknown[];
    }>(server, 'GET', '/api/insights?since=1d');
    expect(res.status).toBe(200);
    expect(res.body.pipelines).toMatchObject([{ pipeline: 'quick', runs: 1, completed: 1, success_rate: 1 }]);
    expect(res.body.daily).toEqual([
      { date: new Date().toISOString().slice(0, 10), runs: 1, failed: 0, cost_usd: 0 },
    ]);
    const other = await api<{ pipelines: unknown[] }>(server, 'GET', '/api/insights?pipeline=gated');
    expect(other.body.pipelines).toEqual([]);

    const bad = expectError(
      await api(server, 'GET', '/api/insights?since=yesterday'),
      400,
      'invalid_request',
    );
    expect(bad.message).toContain('since');
  });
});
