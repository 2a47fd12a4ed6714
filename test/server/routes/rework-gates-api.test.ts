import { describe, expect, it } from 'vitest';
import { api, startTestServer } from '../../helpers/server.js';
import { yaml } from '../../helpers/tmp.js';
import { createRun, getRun, waitForStatus } from '../support.js';

const REJECTING = yaml`
  kind: WavePipeline
  steps:
    - id: assess
      type: command
      script: 'echo "{\"implementable\": false}" > a.json'
      handover:
        contract:
          type: json_schema
          source: a.json
          schema: { type: object, properties: { implementable: { const: true } } }
          on_failure: rejected
    - id: implement
      dependencies: [assess]
      type: command
      script: 'true'
`;

describe('rejected and poll gates over the API', () => {
  it('a rejected run is failed with error code rejected', async () => {
    const server = await startTestServer({ '.wave/pipelines/j.yaml': REJECTING });
    const run = await createRun(server, 'j');
    const done = await waitForStatus(server, run.id, ['completed', 'failed', 'cancelled']);
    expect(done.status).toBe('failed');
    expect(done.error).toMatchObject({ code: 'rejected', step: 'assess' });
  });

  it('a poll gate waits like any gate (the run is waiting) and a person may answer it first', async () => {
    const server = await startTestServer({
      '.wave/pipelines/c.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: ci
            gate: { type: ci_pass, branch: main, interval: 1h }
          - id: after
            dependencies: [ci]
            type: command
            script: 'true'
      `,
    });
    const run = await createRun(server, 'c');
    await waitForStatus(server, run.id, ['waiting']);
    const detail = await getRun<{ gates: { step: string; status: string; prompt: string }[] }>(
      server,
      run.id,
    );
    expect(detail.gates[0]).toMatchObject({
      step: 'ci',
      status: 'waiting',
      prompt: 'Waiting for CI to pass on main',
    });
    const answer = await api(server, 'POST', `/api/runs/${run.id}/gate/ci`, { approved: true });
    expect(answer.status).toBe(200);
    const done = await waitForStatus(server, run.id, ['completed', 'failed', 'cancelled']);
    expect(done.status).toBe('completed');
  });
});
