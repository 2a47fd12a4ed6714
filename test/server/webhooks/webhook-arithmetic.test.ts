import { createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { yaml } from '../../helpers/tmp.js';
import { expectError, waitForStatus } from '../support.js';

const SECRET = 'gh-webhook-secret-value';

const FILES = {
  'wave.yaml': yaml`
    server:
      webhooks:
        github:
          secret: \${GH_SECRET}
          triggers:
            - { event: push, pipeline: calc, input: "{{ payload.head_commit.message }}" }
            - { event: release, pipeline: store, input: "{{ payload.release.name }}" }
  `,
  // Quoted, yet evaluated as arithmetic: `x[$(cmd)]` runs cmd as a subscript.
  '.wave/pipelines/calc.yaml': yaml`
    kind: WavePipeline
    steps:
      - id: calc
        type: command
        script: echo $(( "{{ input }}" + 1 ))
  `,
  '.wave/pipelines/store.yaml': yaml`
    kind: WavePipeline
    steps:
      - id: store
        type: command
        script: printf '%s' {{ input }} > "$WAVE_PROJECT_ROOT/stored"
  `,
};

function deliver(server: TestServer, event: string, payload: unknown) {
  const body = JSON.stringify(payload);
  const signature = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
  return api<{ runs: string[] }>(server, 'POST', '/api/webhooks/github', body, {
    'x-github-event': event,
    'x-hub-signature-256': signature,
  });
}

describe('a webhook input with code in an arithmetic subscript', () => {
  it('cannot create a file: the arithmetic pipeline is refused, the safe one stores it as text', async () => {
    const server = await startTestServer(FILES, { env: { GH_SECRET: SECRET } });
    const pwned = join(server.root, 'pwned');
    const hostile = `x[$(touch ${pwned})]`;

    const refused = await deliver(server, 'push', { head_commit: { message: hostile } });
    const error = expectError(refused, 400, 'invalid_pipeline');
    expect(error.message).toContain(
      '.wave/pipelines/calc.yaml:5 steps[0].script: {{ input }} is in an arithmetic context ($(( ))), where bash runs code hidden in a value even when it is quoted: read the value from $WAVE_INPUT instead',
    );
    expect((await api<{ runs: unknown[] }>(server, 'GET', '/api/runs')).body.runs).toEqual([]);

    const stored = await deliver(server, 'release', { release: { name: hostile } });
    expect(stored.status).toBe(202);
    const run = await waitForStatus(server, stored.body.runs[0]!, ['completed', 'failed']);
    expect(run.status).toBe('completed');
    expect(readFileSync(join(server.root, 'stored'), 'utf8')).toBe(hostile);
    expect(existsSync(pwned)).toBe(false);
  });
});
