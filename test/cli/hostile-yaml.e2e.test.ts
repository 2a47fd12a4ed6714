import { describe, expect, it } from 'vitest';
import { runWave } from '../helpers/cli.js';
import { billionLaughs } from '../helpers/pipeline-fixtures.js';
import { tempProject } from '../helpers/tmp.js';

const GOOD = 'kind: WavePipeline\nsteps:\n  - { id: hi, type: command, script: echo hello }\n';

describe('wave (the real binary) with a billion-laughs pipeline beside a good one', () => {
  it('validate exits 2 naming the file and line; list and run go on with the others', async () => {
    const cwd = tempProject({
      '.wave/pipelines/laughs.yaml': billionLaughs(),
      '.wave/pipelines/good.yaml': GOOD,
    });
    const validate = await runWave(['validate'], { cwd });
    expect(validate.code).toBe(2);
    expect(validate.stderr.split('\n')).toEqual([
      '.wave/pipelines/laughs.yaml:7: YAML: aliases expand to more than 10000 values (at *a3): write the values out, or alias smaller ones',
      '2 pipelines checked: 1 error, 0 warnings',
      '',
    ]);

    const list = await runWave(['list', 'pipelines'], { cwd });
    expect(list.code).toBe(0);
    const rows = list.stdout.trim().split('\n').slice(1);
    expect(rows.map((r) => r.split(/\s+/).slice(0, 3).join(' '))).toEqual(['good 1 ok', 'laughs - invalid']);

    const run = await runWave(['run', 'good'], { cwd, timeoutMs: 60_000 });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('[hi] hello');
  });
});
