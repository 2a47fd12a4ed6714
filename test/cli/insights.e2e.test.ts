import { describe, expect, it } from 'vitest';
import { runWave } from '../helpers/cli.js';
import { api, startTestServer } from '../helpers/server.js';
import { tempProject, yaml } from '../helpers/tmp.js';
import { waitForStatus } from '../server/support.js';

/** Fails its first attempt (a counter file per run), then passes: one retry with a reason. */
const PIPELINE = yaml`
  kind: WavePipeline
  steps:
    - id: flaky
      type: command
      script: 'c="$WAVE_PROJECT_ROOT/$WAVE_RUN_ID.count"; n=$(($(cat "$c" 2>/dev/null || echo 0) + 1)); echo $n > "$c"; [ "$n" -ge 2 ] || { echo "flaked ($n)" >&2; exit 1; }'
      retry: { max_attempts: 2, base_delay: 1ms }
    - id: after
      dependencies: [flaky]
      type: command
      script: 'true'
`;

describe('wave retro and wave insights', () => {
  it('show the narrative retrospective.persona wrote once wave run --mock has exited', async () => {
    const cwd = tempProject({
      'wave.yaml': yaml`
        kind: WaveManifest
        personas:
          scribe: { adapter: claude }
        retrospective: { persona: scribe }
      `,
      '.wave/pipelines/flaky.yaml': PIPELINE,
    });
    const wave = (...args: string[]) => runWave(args, { cwd, timeoutMs: 60_000 });
    const ran = await wave('run', 'flaky', '--mock', '--json');
    expect(ran.code, ran.stderr).toBe(0);
    const runId = (JSON.parse(ran.stdout.split('\n')[0] ?? '{}') as { run_id: string }).run_id;
    const retro = await wave('retro', runId);
    expect(retro.code, retro.stderr).toBe(0);
    expect(retro.stdout).toContain(`Mock retrospective: Run ${runId} of pipeline "flaky" has ended`);
  });

  it('print tables and the API objects for runs in the local store', async () => {
    const cwd = tempProject({ '.wave/pipelines/flaky.yaml': PIPELINE });
    const wave = (...args: string[]) => runWave(args, { cwd, timeoutMs: 60_000 });
    const ran = await wave('run', 'flaky', '--mock', '--json');
    expect(ran.code, ran.stderr).toBe(0);
    const runId = (JSON.parse(ran.stdout.split('\n')[0] ?? '{}') as { run_id: string }).run_id;

    const retro = await wave('retro', runId);
    expect(retro.code, retro.stderr).toBe(0);
    expect(retro.stdout).toMatch(
      new RegExp(
        `^RUN\\s+STATUS\\s+DURATION\\s+QUEUE WAIT\\s+GATE WAIT\\s+TOKENS\\s+COST\\n${runId}\\s+completed`,
      ),
    );
    expect(retro.stdout).toContain('critical path: flaky → after');
    expect(retro.stdout).toMatch(/RETRIED STEP\s+ATTEMPTS\s+REASONS\nflaky\s+2\s+.*flaked \(1\)/);

    const retroJson = await wave('retro', runId, '--json');
    expect(JSON.parse(retroJson.stdout)).toMatchObject({
      run_id: runId,
      status: 'completed',
      critical_path: ['flaky', 'after'],
      retries: [{ step: 'flaky', attempts: 2 }],
      narrative: null,
    });

    const insights = await wave('insights');
    expect(insights.code, insights.stderr).toBe(0);
    expect(insights.stdout).toMatch(/PIPELINE\s+RUNS\s+OK\s+FAILED\s+CANCELLED\s+SUCCESS/);
    expect(insights.stdout).toMatch(/\nflaky\s+1\s+1\s+0\s+0\s+100\.0%/);
    expect(insights.stdout).toMatch(/\nflaky\s+flaky\s+1\s+0\s+1\s/);
    const insightsJson = JSON.parse((await wave('insights', '--json', '--since', '1h')).stdout);
    expect(insightsJson.pipelines).toMatchObject([{ pipeline: 'flaky', runs: 1, success_rate: 1 }]);
    expect((await wave('insights', '--pipeline', 'other')).stdout).toContain('no runs in this window');

    const unknown = await wave('retro', 'nope');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('nope');
    const badSince = await wave('insights', '--since', 'yesterday');
    expect(badSince.code).toBe(2);
  });

  it('ask a server with --server', async () => {
    const server = await startTestServer(
      { '.wave/pipelines/flaky.yaml': PIPELINE },
      { flags: { mock: true } },
    );
    const created = await api<{ id: string }>(server, 'POST', '/api/runs', { pipeline: 'flaky' });
    await waitForStatus(server, created.body.id, ['completed'], 60_000);
    const cwd = tempProject({});
    const wave = (...args: string[]) =>
      runWave([...args, '--server', server.url], { cwd, timeoutMs: 30_000 });

    const retro = await wave('retro', created.body.id, '--json');
    expect(retro.code, retro.stderr).toBe(0);
    expect(JSON.parse(retro.stdout)).toMatchObject({ run_id: created.body.id, retries: [{ step: 'flaky' }] });
    const insights = await wave('insights');
    expect(insights.code, insights.stderr).toBe(0);
    expect(insights.stdout).toMatch(/\nflaky\s+1\s+1\s+0\s+0\s+100\.0%/);
  });
});
