import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectWellFormed, harness, ofType } from '../helpers/engine-harness.js';
import { yaml } from '../helpers/tmp.js';

/** A text adapter that keeps the prompt it got (prompt.txt) and answers with its step's id. */
const ECHO_MANIFEST = (extra = '') => yaml`
  kind: WaveManifest
  ${extra}
  adapters:
    echo:
      binary: bash
      output_format: text
      args: ["-c", "cat > prompt.txt; echo reply-from-$WAVE_STEP_ID"]
  personas:
    writer: { adapter: echo, system_prompt_file: .wave/personas/writer.md }
    gitlab-bot: { adapter: echo, system_prompt_file: .wave/personas/writer.md }
`;

const activity = (f: { events: Parameters<typeof ofType>[0] }, step: string) =>
  ofType(f.events, 'stream_activity')
    .filter((e) => e.step === step)
    .map((e) => e.content);

describe('Go Wave: dependency auto-injection (GOWAVE §12)', () => {
  it("copies each direct dependency's artifacts to .agents/artifacts/<dep>/ and .agents/output/, with env and deps.* values", async () => {
    const h = await harness({
      '.wave/pipelines/deps.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: plan
            type: command
            script: |
              mkdir -p out
              echo '{"tasks": [1, 2]}' > out/plan.json
              echo "first notes" > notes.txt
            output_artifacts:
              - { name: plan, path: out/plan.json, type: json }
              - { name: notes, path: notes.txt, type: text }
          - id: other
            type: command
            script: echo "other notes" > notes.txt
            output_artifacts: [{ name: notes, path: notes.txt }]
          - id: use
            type: command
            dependencies: [plan, other]
            script: |
              cat .agents/output/plan.json > seen.txt
              cat .agents/artifacts/plan/notes.txt >> seen.txt
              cat .agents/artifacts/other/notes.txt >> seen.txt
              cat .agents/output/notes.txt >> seen.txt
              test "$WAVE_DEPS_DIR" = "$PWD/.agents/artifacts"
              test "$WAVE_DEP_PLAN_PLAN" = "$PWD/.agents/artifacts/plan/plan.json"
              test "$WAVE_DEP_OTHER_NOTES" = "$PWD/.agents/artifacts/other/notes.txt"
              cat {{ deps.plan.plan }} {{ artifacts.other.notes }} >> seen.txt
            output_artifacts: [{ name: seen, path: seen.txt }]
      `,
    });
    const f = await h.run('deps');
    expectWellFormed(f);
    expect(f.result).toEqual({ status: 'completed', error: null });
    expect(h.read('.wave/artifacts', f.run.id, 'use', 'seen')).toBe(
      [
        '{"tasks": [1, 2]}',
        'first notes',
        'other notes',
        // Both dependencies have notes.txt: the last one wins in .agents/output/, with a warning.
        'other notes',
        '{"tasks": [1, 2]}',
        'other notes',
        '',
      ].join('\n'),
    );
    expect(activity(f, 'use')).toContain(
      '.agents/output/notes.txt (plan, then other): two dependencies have a file of this name; the last one is kept',
    );
  });

  it('does not inject artifacts of steps that are not direct dependencies', async () => {
    const h = await harness({
      '.wave/pipelines/far.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: a
            type: command
            script: echo a > a.txt
            output_artifacts: [{ name: a, path: a.txt }]
          - id: b
            type: command
            dependencies: [a]
            script: "true"
          - id: c
            type: command
            dependencies: [b]
            script: test ! -e .agents/artifacts/a && test ! -e .agents/output/a.txt
      `,
    });
    const f = await h.run('far');
    expect(f.result).toEqual({ status: 'completed', error: null });
  });
});

describe('Go Wave: thread (GOWAVE §9)', () => {
  it("puts the earlier outputs of the step's thread before its prompt, and nothing for other steps", async () => {
    const h = await harness({
      'wave.yaml': ECHO_MANIFEST(),
      '.wave/personas/writer.md': 'You write.\n',
      '.wave/pipelines/th.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: first
            persona: writer
            thread: spec
            exec: { type: prompt, source: "Write the spec" }
          - id: second
            persona: writer
            thread: spec
            dependencies: [first]
            exec: { type: prompt, source: "Refine the spec" }
            output_artifacts: [{ name: prompt, path: prompt.txt }]
          - id: outside
            persona: writer
            dependencies: [second]
            exec: { type: prompt, source: "Unrelated" }
            output_artifacts: [{ name: prompt, path: prompt.txt }]
      `,
    });
    const f = await h.run('th');
    expect(f.result).toEqual({ status: 'completed', error: null });
    const second = h.read('.wave/artifacts', f.run.id, 'second', 'prompt');
    expect(second).toMatch(
      /## THREAD CONTEXT\n\n## Step: first at \d{4}-\d\d-\d\dT[^\n]+\n\nreply-from-first\n/,
    );
    expect(second.indexOf('reply-from-first')).toBeLessThan(second.indexOf('Refine the spec'));
    const outside = h.read('.wave/artifacts', f.run.id, 'outside', 'prompt');
    expect(outside).not.toContain('THREAD CONTEXT');
    expect(outside).not.toContain('reply-from');
  });
});

describe('Go Wave: forge templates and templated personas (GOWAVE §10)', () => {
  it('fills forge.* from metadata.forge in scripts, persona names and requires.tools', async () => {
    const h = await harness({
      'wave.yaml': ECHO_MANIFEST('metadata: { name: svc, forge: gitlab }'),
      '.wave/personas/writer.md': 'You write.\n',
      '.wave/pipelines/forge.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: say
            type: command
            script: echo "{{ forge.type }} {{ forge.cli_tool }} {{ forge.pr_command }} {{ forge.pr_term }} {{ pipeline_id }}" > f.txt
            output_artifacts: [{ name: f, path: f.txt }]
          - id: ask
            persona: "{{ forge.type }}-bot"
            dependencies: [say]
            exec: { type: prompt, source: "Open a {{ forge.pr_term }}; prose about {{ forge.* }} stays" }
            output_artifacts: [{ name: prompt, path: prompt.txt }]
      `,
      '.wave/pipelines/needs-cli.yaml': yaml`
        kind: WavePipeline
        requires: { tools: ["{{ forge.cli_tool }}"] }
        steps: [ { id: a, type: command, script: "true" } ]
      `,
    });
    const f = await h.run('forge');
    expect(f.result).toEqual({ status: 'completed', error: null });
    expect(h.read('.wave/artifacts', f.run.id, 'say', 'f')).toBe(
      `gitlab glab mr Merge Request ${f.run.id}\n`,
    );
    expect(h.read('.wave/artifacts', f.run.id, 'ask', 'prompt')).toContain(
      'Open a Merge Request; prose about {{ forge.* }} stays',
    );
    expect(ofType(f.events, 'step_started').find((e) => e.step === 'ask')).toMatchObject({
      persona: 'gitlab-bot',
    });

    const missing = await h.run('needs-cli', { env: { PATH: '/usr/bin:/bin' } });
    expect(missing.result.status).toBe('failed');
    expect(missing.result.error).toMatchObject({
      code: 'missing_tool',
      message: expect.stringContaining(': glab'),
    });
  });
});

describe('Go Wave: subset_from (GOWAVE §11)', () => {
  const files = (mount: string) => ({
    'src/a.txt': 'A\n',
    'src/b.txt': 'B\n',
    'secret.txt': 'outside the list\n',
    '.wave/pipelines/sub.yaml': yaml`
      kind: WavePipeline
      steps:
        - id: list
          type: command
          script: |
            echo '{"changed": ["src/a.txt", "../../etc/passwd", "/etc/passwd", "gone.txt", "src"]}' > changed.json
          output_artifacts: [{ name: changed, path: changed.json, type: json }]
        - id: scan
          type: command
          dependencies: [list]
          workspace:
            mount: [ { source: ./, target: /project, mode: readonly, subset_from: "${mount}" } ]
          script: find project -type f | sort > tree.txt
          output_artifacts: [{ name: tree, path: tree.txt }]
    `,
  });

  it('mounts only the listed files that exist inside the source', async () => {
    const h = await harness(files('list.changed.changed'));
    const f = await h.run('sub');
    expectWellFormed(f);
    expect(f.result).toEqual({ status: 'completed', error: null });
    expect(h.read('.wave/artifacts', f.run.id, 'scan', 'tree')).toBe('project/src/a.txt\n');
  });

  it('mounts the whole source when the artifact is not found, without copying Wave’s own folders', async () => {
    const h = await harness(files('nowhere.missing.changed'));
    const f = await h.run('sub');
    expect(f.result).toEqual({ status: 'completed', error: null });
    const tree = h.read('.wave/artifacts', f.run.id, 'scan', 'tree').trim().split('\n');
    expect(tree).toEqual(
      expect.arrayContaining(['project/src/a.txt', 'project/src/b.txt', 'project/secret.txt']),
    );
    expect(tree).toContain('project/.wave/pipelines/sub.yaml');
    expect(
      tree.filter(
        (p) =>
          p.startsWith('project/.wave/workspaces') ||
          p.startsWith('project/.wave/artifacts') ||
          p.startsWith('project/.wave/state.db'),
      ),
    ).toEqual([]);
    expect(activity(f, 'scan')).toContain(
      'subset_from nowhere.missing.changed: artifact not found; mounting all of ./',
    );
  });

  it('fails the step when the path is not an array of file names', async () => {
    const h = await harness(files('list.changed.changed[0]'));
    const f = await h.run('sub');
    expect(f.result.status).toBe('failed');
    expect(f.result.error?.message).toContain('is not an array of file paths');
    expect(existsSync(h.path('.wave/workspaces', f.run.id, 'scan', 'project'))).toBe(false);
  });
});

describe('Go Wave: inject_artifacts[].schema_path and artifact types (GOWAVE §11)', () => {
  const pipeline = (value: string) => ({
    '.wave/contracts/count.schema.json': JSON.stringify({
      type: 'object',
      required: ['n'],
      properties: { n: { type: 'integer' } },
    }),
    '.wave/pipelines/inj.yaml': yaml`
      kind: WavePipeline
      steps:
        - id: make
          type: command
          script: |
            echo '${value}' > data.json
            echo "a: 1" > conf.yaml
            printf '\\x00\\x01' > blob.xyz
          output_artifacts:
            - { name: data, path: data.json, type: json }
            - { name: conf, path: conf.yaml, type: yaml }
            - { name: blob, path: blob.xyz, type: protobuf }
        - id: use
          type: command
          dependencies: [make]
          memory:
            inject_artifacts:
              - { step: make, artifact: data, as: counted, schema_path: .wave/contracts/count.schema.json }
          script: cat .wave/artifacts/counted
    `,
  });

  it('runs the step when the injected artifact matches its schema; yaml and unknown types are opaque files', async () => {
    const h = await harness(pipeline('{"n": 3}'));
    const f = await h.run('inj');
    expect(f.result).toEqual({ status: 'completed', error: null });
    expect(ofType(f.events, 'artifact_written').map((e) => e.name)).toEqual(['data', 'conf', 'blob']);
  });

  it('fails the step naming the artifact when it does not match', async () => {
    const h = await harness(pipeline('{"n": "three"}'));
    const f = await h.run('inj');
    expect(f.result.status).toBe('failed');
    expect(f.result.error).toMatchObject({
      code: 'input_schema_failed',
      message: expect.stringContaining(
        "input artifact 'counted' schema validation failed: .wave/artifacts/counted does not match the schema: /n must be integer",
      ),
    });
  });

  it('fails a step whose json artifact is not JSON', async () => {
    const h = await harness(pipeline('not json'));
    const f = await h.run('inj');
    expect(f.result.status).toBe('failed');
    expect(f.result.error).toMatchObject({
      code: 'artifact_invalid',
      message: expect.stringContaining('data (data.json'),
    });
    expect(readdirSync(h.path('.wave/workspaces', f.run.id))).not.toContain('use');
  });
});
