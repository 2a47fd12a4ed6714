import { describe, expect, it } from 'vitest';
import { runWave } from '../helpers/cli.js';
import { tempProject, yaml } from '../helpers/tmp.js';

describe('wave run of a pipeline whose contract rejects', () => {
  it('exits 1, and wave status shows the run failed with code rejected', async () => {
    const cwd = tempProject({
      '.wave/pipelines/j.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: assess
            type: command
            script: 'echo "{}" > a.json'
            handover:
              contract: { type: json_schema, source: a.json, schema: { required: [ok] }, on_failure: rejected }
      `,
    });
    const r = await runWave(['run', 'j'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('(on_failure: rejected)');
    const id = /^run (j-\S+) failed/m.exec(r.stdout)?.[1];
    expect(id).toBeDefined();
    const status = await runWave(['status', id!, '--json'], { cwd });
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      status: 'failed',
      error: { code: 'rejected', step: 'assess' },
    });
  });
});
