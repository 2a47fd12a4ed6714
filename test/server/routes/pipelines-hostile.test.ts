import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { billionLaughs, chainYaml } from '../../helpers/pipeline-fixtures.js';
import { api, startTestServer } from '../../helpers/server.js';
import { yaml } from '../../helpers/tmp.js';
import { createRun, expectError, waitForStatus } from '../support.js';

interface PipelineBody {
  name: string;
  description: string;
  valid: boolean;
  errors: string[];
  steps: { id: string }[];
  source?: string;
}

const GOOD = 'kind: WavePipeline\nsteps:\n  - { id: hi, type: command, script: echo hi }\n';

function files(): Record<string, string> {
  return {
    '.wave/pipelines/good.yaml': GOOD,
    '.wave/pipelines/laughs.yaml': billionLaughs(),
    '.wave/pipelines/bin.yaml': 'kind: WavePipeline\u0000\u0001secret bytes\n',
    '.wave/pipelines/schema.yaml': yaml`
      kind: WavePipeline
      steps:
        - id: a
          type: command
          script: echo '{}' > o.json
          output_artifacts: [{ name: o, path: o.json }]
          handover:
            contract: { type: json_schema, schema_path: .wave/contracts/nope.json }
    `,
    // Over the size parsed in place: checked in the worker thread.
    '.wave/pipelines/big.yaml': chainYaml(300),
    '.wave/pipelines/big-bad.yaml': chainYaml(300, (i) => (i === 299 ? ['    persona: nobody'] : [])),
  };
}

describe('GET /api/pipelines with hostile and big files', () => {
  it('lists every pipeline: the invalid ones with their errors, paths relative to the project', async () => {
    const server = await startTestServer(files());
    const res = await api<{ pipelines: PipelineBody[] }>(server, 'GET', '/api/pipelines');
    expect(res.status).toBe(200);
    const byName = Object.fromEntries(res.body.pipelines.map((p) => [p.name, p]));
    expect(Object.keys(byName).sort()).toEqual(['big', 'big-bad', 'bin', 'good', 'laughs', 'schema']);
    expect(byName.good).toMatchObject({ valid: true, errors: [] });
    expect(byName.big).toMatchObject({ valid: true, errors: [] });
    expect(byName.big!.steps).toHaveLength(300);
    expect(byName.laughs).toMatchObject({
      valid: false,
      errors: [
        expect.stringMatching(/^\.wave\/pipelines\/laughs\.yaml:7: YAML: aliases expand to more than/),
      ],
    });
    expect(byName.bin).toMatchObject({ valid: false, errors: ['.wave/pipelines/bin.yaml: not a text file'] });
    expect(byName.schema!.errors).toEqual([
      '.wave/pipelines/schema.yaml:8 steps[0].handover.contract.schema_path: file not found: .wave/contracts/nope.json',
    ]);
    expect(byName['big-bad']!.errors).toEqual([
      expect.stringMatching(
        /^\.wave\/pipelines\/big-bad\.yaml:1202 steps\[299\]\.persona: unknown persona "nobody"/,
      ),
    ]);
    const text = JSON.stringify(res.body);
    expect(text).not.toContain(server.root);
    expect(text).not.toContain('secret bytes');

    const bin = await api<PipelineBody>(server, 'GET', '/api/pipelines/bin');
    expect(bin.status).toBe(200);
    expect(bin.body.source).toBe('');
  });

  it('a run of the billion-laughs file is 400 invalid_pipeline; the others still run', async () => {
    const server = await startTestServer(files());
    const res = await api(server, 'POST', '/api/runs', { pipeline: 'laughs' });
    const error = expectError(res, 400, 'invalid_pipeline');
    expect(error.details.issues).toEqual([
      expect.objectContaining({ file: '.wave/pipelines/laughs.yaml', line: 7, path: '' }),
    ]);
    expect(JSON.stringify(res.body)).not.toContain(server.root);
    const run = await createRun(server, 'good');
    expect((await waitForStatus(server, run.id, ['completed', 'failed'])).status).toBe('completed');
  });

  it('sees a changed file at the next listing', async () => {
    const server = await startTestServer({ '.wave/pipelines/good.yaml': GOOD });
    const before = await api<{ pipelines: PipelineBody[] }>(server, 'GET', '/api/pipelines');
    expect(before.body.pipelines[0]).toMatchObject({ description: '', valid: true });
    const file = join(server.root, '.wave/pipelines/good.yaml');
    writeFileSync(
      file,
      `kind: WavePipeline\nmetadata: { description: edited }\n${GOOD.slice(GOOD.indexOf('\n') + 1)}`,
    );
    const later = new Date(Date.now() + 5000);
    utimesSync(file, later, later);
    const after = await api<{ pipelines: PipelineBody[] }>(server, 'GET', '/api/pipelines');
    expect(after.body.pipelines[0]).toMatchObject({ description: 'edited', valid: true });
  });

  it('answers other requests while a 5,000-step pipeline is parsed for a listing', async () => {
    const server = await startTestServer({ '.wave/pipelines/chain.yaml': chainYaml(5000) });
    let listed = false;
    const listing = api<{ pipelines: PipelineBody[] }>(server, 'GET', '/api/pipelines').then((res) => {
      listed = true;
      return res;
    });
    // Parsing it takes far longer than a health answer: held in place, none would come back first.
    let answeredMeanwhile = 0;
    while (!listed) {
      const health = await api(server, 'GET', '/api/health');
      expect(health.status).toBe(200);
      if (!listed) answeredMeanwhile++;
    }
    const res = await listing;
    expect(res.status).toBe(200);
    expect(res.body.pipelines[0]!.steps).toHaveLength(5000);
    expect(answeredMeanwhile).toBeGreaterThanOrEqual(3);
  });
});

describe('artifacts served', () => {
  it('a symlink to /etc/passwd declared as an artifact is never served', async () => {
    const server = await startTestServer({
      '.wave/pipelines/leak.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: leak
            type: command
            script: ln -s /etc/passwd out.txt
            output_artifacts: [{ name: passwd, path: out.txt }]
      `,
    });
    const run = await createRun(server, 'leak');
    const done = await waitForStatus(server, run.id, ['completed', 'failed']);
    expect(done.status).toBe('failed');
    expect(done.error).toMatchObject({ code: 'artifact_outside_workspace', step: 'leak' });
    const res = await api(server, 'GET', `/api/runs/${run.id}/artifacts/leak/passwd`);
    expect(res.status).toBe(404);
    expect(String(JSON.stringify(res.body))).not.toContain('root:');
  });
});
