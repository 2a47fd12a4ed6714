import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectWellFormed, harness, ofType, stepOf } from '../helpers/engine-harness.js';
import { yaml } from '../helpers/tmp.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('artifacts', () => {
  it('are copied to .wave/artifacts/<run>/<step>/<name> and recorded with size and sha256', async () => {
    const h = await harness({
      '.wave/pipelines/art.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: make
            type: command
            script: |
              mkdir -p out
              printf '{"answer": 42, "items": [{"name": "first"}]}' > out/result.json
              head -c 3000 /dev/urandom > out/blob.bin
              echo "line one"
              printf 'line two\\nno newline at the end'
            output_artifacts:
              - { name: result, path: out/result.json, type: json }
              - { name: blob, path: out/blob.bin, type: binary }
              - { name: log, path: stdout.txt, source: stdout, type: text }
              - { name: maybe, path: out/not-there.txt, required: false }
      `,
    });
    const f = await h.run('art');
    expectWellFormed(f);
    expect(f.result).toEqual({ status: 'completed', error: null });
    const written = ofType(f.events, 'artifact_written');
    expect(written.map((e) => e.name)).toEqual(['result', 'blob', 'log']);
    const artifacts = stepOf(f.detail, 'make').artifacts;
    expect(artifacts.map((a) => a.name).sort()).toEqual(['blob', 'log', 'result']);
    for (const name of ['result', 'blob', 'log']) {
      const kept = readFileSync(h.path('.wave/artifacts', f.run.id, 'make', name));
      const view = artifacts.find((a) => a.name === name)!;
      expect(view, name).toEqual({ name, size: kept.length, sha256: sha256(kept) });
      expect(written.find((e) => e.name === name)).toMatchObject({ size: kept.length, sha256: sha256(kept) });
    }
    const ws = h.path('.wave/workspaces', f.run.id, 'make');
    expect(readFileSync(h.path('.wave/artifacts', f.run.id, 'make', 'blob'))).toEqual(
      readFileSync(`${ws}/out/blob.bin`),
    );
    expect(h.read('.wave/artifacts', f.run.id, 'make', 'log')).toBe(
      'line one\nline two\nno newline at the end',
    );
  });

  it('a missing required artifact fails the step with artifact_missing', async () => {
    const h = await harness({
      '.wave/pipelines/miss.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: lazy
            type: command
            script: echo "forgot to write it"
            output_artifacts: [{ name: report, path: out/report.md }]
      `,
    });
    const f = await h.run('miss');
    expectWellFormed(f);
    expect(f.result.error).toMatchObject({ code: 'artifact_missing', step: 'lazy' });
    expect(f.result.error?.message).toContain('report (out/report.md)');
    expect(stepOf(f.detail, 'lazy').artifacts).toEqual([]);
  });

  it('are injected into later workspaces at .wave/artifacts/<as>, named by {{ artifacts.<as> }}', async () => {
    const h = await harness({
      '.wave/pipelines/inj.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: write
            type: command
            script: echo "findings from write" > findings.txt
            output_artifacts: [{ name: findings, path: findings.txt }]
          - id: read
            dependencies: [write]
            memory:
              inject_artifacts: [{ step: write, artifact: findings, as: notes.txt }]
            type: command
            script: |
              echo {{ artifacts.notes.txt }} > "$WAVE_PROJECT_ROOT/path.out"
              cat {{ artifacts.notes.txt }} > "$WAVE_PROJECT_ROOT/content.out"
              ls -A .wave/artifacts > "$WAVE_PROJECT_ROOT/ls.out"
      `,
    });
    const f = await h.run('inj');
    expectWellFormed(f);
    expect(f.result).toEqual({ status: 'completed', error: null });
    expect(h.read('path.out').trim()).toBe('.wave/artifacts/notes.txt');
    expect(h.read('content.out')).toBe('findings from write\n');
    expect(h.read('ls.out')).toBe('notes.txt\n');
  });

  it('feed outcomes and pipeline_outputs into the run detail', async () => {
    const h = await harness({
      '.wave/pipelines/out.yaml': yaml`
        kind: WavePipeline
        pipeline_outputs:
          pr: { step: publish, artifact: meta, type: url, field: .pr.url }
          whole: { step: publish, artifact: meta }
        steps:
          - id: publish
            type: command
            script: |
              echo '{"pr": {"url": "https://example.com/pr/7", "number": 7}, "files": ["a", "b"]}' > meta.json
            output_artifacts: [{ name: meta, path: meta.json, type: json }]
            outcomes:
              - { type: pr, extract_from: meta.json, json_path: .pr.url, label: Pull request }
              - { type: count, extract_from: meta.json, json_path: ".files[1]", label: Second file }
              - { type: missing, extract_from: meta.json, json_path: .nope, label: Nothing }
      `,
    });
    const f = await h.run('out');
    expectWellFormed(f);
    expect(f.result.status).toBe('completed');
    expect(f.detail.outcomes).toEqual([
      { step: 'publish', type: 'pr', label: 'Pull request', value: 'https://example.com/pr/7' },
      { step: 'publish', type: 'count', label: 'Second file', value: 'b' },
    ]);
    const kept = readFileSync(h.path('.wave/artifacts', f.run.id, 'publish', 'meta'));
    expect(f.detail.outputs).toEqual({
      pr: { step: 'publish', artifact: 'meta', type: 'url', value: 'https://example.com/pr/7' },
      whole: {
        step: 'publish',
        artifact: 'meta',
        type: null,
        value: { name: 'meta', size: kept.length, sha256: sha256(kept) },
      },
    });
    const notes = ofType(f.events, 'stream_activity').filter((e) => e.stream === 'stderr');
    expect(notes.map((e) => e.content)).toContain('outcome "Nothing": nothing at .nope in meta.json');
  });
});
