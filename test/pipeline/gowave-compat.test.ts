import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProject } from '../../src/config/load-project.js';
import { tempProject, yaml } from '../helpers/tmp.js';

/** A project laid out as the Go Wave lays it out: `.agents/`, persona files, base protocol. */
function goWaveProject(): string {
  return tempProject({
    'wave.yaml': yaml`
      apiVersion: v1
      kind: WaveManifest
      metadata: { name: svc, forge: github }
      project: { language: go, test_command: "go test ./...", source_glob: "*.go" }
      adapters:
        claude:
          binary: claude
          mode: headless
          output_format: json
          default_model: sonnet
          project_files: [CLAUDE.md]
          tier_models: { cheapest: haiku, strongest: opus }
      personas:
        navigator:
          adapter: claude
          description: From wave.yaml
          system_prompt_file: .agents/personas/navigator.md
          permissions: { allowed_tools: ["Read"], deny: [] }
      runtime:
        workspace_root: .agents/workspaces
        max_concurrent_workers: 5
        relay: { strategy: summarize_to_checkpoint }
    `,
    '.agents/personas/base-protocol.md': '# Protocol\n',
    '.agents/personas/navigator.md': '# Navigator\n',
    '.agents/personas/navigator.yaml': 'description: from the file\ntemperature: 0.1\nmodel: cheapest\n',
    '.agents/personas/craftsman.yaml': yaml`
      description: Builds things
      temperature: 0.3
      permissions:
        allowed_tools: [Read, Write]
        deny: ["Bash(rm *)"]
      sandbox: { allowed_domains: [x] }
    `,
    '.agents/personas/craftsman.md': '# Craftsman\n',
    '.agents/personas/summarizer.md': '# Summarizer\n',
    '.agents/contracts/review.schema.json':
      '{"$schema":"http://json-schema.org/draft-07/schema#","type":"object"}',
    '.agents/pipelines/impl.yaml': yaml`
      kind: WavePipeline
      metadata: { name: impl, description: Implement, release: true, category: impl, disabled: true }
      input:
        source: cli
        type: string
        example: "re-cinq/wave 42"
        schema: { type: string, description: An issue reference, minLength: 3 }
      requires: { tools: [git, bash], skills: [gh-cli] }
      skills: [software-design]
      pipeline_outputs:
        review: { step: review, artifact: review, type: json, field: verdict }
      steps:
        - id: plan
          persona: navigator
          model: strongest
          exec: { type: prompt, source: "Plan {{ input }}" }
          workspace:
            mount: [ { source: ./src, target: src, mode: readonly }, { source: docs, mode: readwrite } ]
          output_artifacts: [ { name: plan, path: .agents/output/plan.md, type: markdown, required: false } ]
          thread: impl
          fidelity: full
        - id: review
          persona: craftsman
          adapter: mock
          dependencies: [plan]
          max_concurrent_agents: 3
          workspace: { type: worktree, branch: "wave/{{ run.id }}", base: main }
          exec: { type: prompt, source: review it }
          output_artifacts: [ { name: review, path: review.json, type: json } ]
          outcomes: [ { type: pr, extract_from: review.json, json_path: .pr_url, label: Pull Request } ]
          handover:
            contracts:
              - { type: json_schema, schema_path: .agents/contracts/review.schema.json, must_pass: false }
              - { type: test_suite, command: "{{ project.test_command }}", must_pass: true, max_retries: 2 }
            compaction: { trigger: "token_limit_80%", persona: summarizer }
    `,
  });
}

describe('Go Wave compatibility', () => {
  it('loads a Go Wave project with the right values and warnings', () => {
    const root = goWaveProject();
    const project = loadProject({ cwd: root, env: {} });
    expect(project.paths.defsKind).toBe('agents');
    expect(project.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    // metadata.forge is used ({{ forge.* }}); the rest is accepted and not acted on.
    expect(project.forge.type).toBe('github');
    expect(project.diagnostics.every((d) => d.severity === 'ignored')).toBe(true);
    expect(project.diagnostics.map((d) => d.path)).toEqual([
      'runtime.relay',
      'adapters.claude.mode',
      'adapters.claude.project_files',
      'sandbox',
    ]);

    const entry = project.pipeline('impl')!;
    expect(entry.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(entry.diagnostics.map((d) => [d.path, d.severity])).toEqual([
      ['requires.skills', 'ignored'],
      ['skills', 'ignored'],
      ['steps[0].fidelity', 'ignored'],
      ['steps[1].max_concurrent_agents', 'ignored'],
      ['steps[1].handover.compaction', 'ignored'],
    ]);
    const spec = entry.spec!;
    expect(spec).toMatchObject({
      disabled: true,
      release: true,
      category: 'impl',
      requiresTools: ['git', 'bash'],
    });
    expect(spec.input).toMatchObject({
      type: 'string',
      example: 're-cinq/wave 42',
      description: 'An issue reference',
    });
    expect(spec.input!.schema).toEqual({ type: 'string', description: 'An issue reference', minLength: 3 });
    expect(spec.outputs).toEqual({
      review: { step: 'review', artifact: 'review', type: 'json', field: 'verdict' },
    });

    const [plan, review] = spec.steps;
    expect(plan).toMatchObject({ kind: 'prompt', model: 'strongest', persona: 'navigator', thread: 'impl' });
    expect(plan!.workspace.mount).toEqual([
      { source: './src', target: 'src', mode: 'readonly', subsetFrom: null },
      { source: 'docs', target: 'docs', mode: 'readwrite', subsetFrom: null },
    ]);
    expect(plan!.outputs[0]).toMatchObject({ name: 'plan', required: false, type: 'markdown' });
    expect(review).toMatchObject({
      adapter: 'mock',
      workspace: { type: 'worktree', branch: 'wave/{{ run.id }}', base: 'main' },
    });
    expect(review!.outcomes).toEqual([
      { type: 'pr', extractFrom: 'review.json', jsonPath: '.pr_url', label: 'Pull Request' },
    ]);
    expect(review!.contracts.map((c) => [c.type, c.onFailure])).toEqual([
      ['json_schema', 'warn'],
      ['test_suite', 'fail'],
    ]);
    // A contract's max_retries becomes extra attempts when the step sets no retry policy.
    expect(review!.retry.maxAttempts).toBe(3);
  });

  it('merges persona files with wave.yaml, wave.yaml winning, and skips base-protocol.md', () => {
    const project = loadProject({ cwd: goWaveProject(), env: {} });
    const { personas, baseProtocolFile } = project.personas;
    expect(baseProtocolFile).toMatch(/\.agents\/personas\/base-protocol\.md$/);
    expect([...personas.keys()].sort()).toEqual(['craftsman', 'navigator', 'summarizer']);
    expect(personas.get('navigator')).toMatchObject({
      adapter: 'claude',
      description: 'From wave.yaml',
      model: 'cheapest',
      temperature: 0.1,
      permissions: { allowed_tools: ['Read'], deny: [] },
    });
    expect(personas.get('craftsman')).toMatchObject({
      adapter: 'claude',
      temperature: 0.3,
      permissions: { allowed_tools: ['Read', 'Write'], deny: ['Bash(rm *)'] },
    });
    expect(personas.get('craftsman')!.promptFile).toMatch(/craftsman\.md$/);
    expect(personas.get('summarizer')).toMatchObject({
      adapter: 'claude',
      promptFile: expect.stringMatching(/summarizer\.md$/),
    });
  });

  it('does not treat a prompt file named by wave.yaml as a second persona', () => {
    const root = tempProject({
      'wave.yaml':
        'personas:\n  planner:\n    adapter: claude\n    system_prompt_file: .wave/personas/planning-prompt.md\n',
      '.wave/personas/planning-prompt.md': '# Plan\n',
    });
    const project = loadProject({ cwd: root, env: {} });
    expect([...project.personas.personas.keys()]).toEqual(['planner']);
    expect(project.personas.personas.get('planner')!.promptFile).toBe(
      join(root, '.wave/personas/planning-prompt.md'),
    );
  });

  it('reports a persona with an unknown adapter or a missing prompt file', () => {
    const root = tempProject({
      'wave.yaml': 'personas:\n  a:\n    adapter: codx\n    system_prompt_file: .wave/personas/missing.md\n',
      '.wave/personas/b.yaml': 'adapter: nope\n',
    });
    const project = loadProject({ cwd: root, env: {}, lenient: true });
    const errors = project.diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map((d) => [d.path, d.line, d.message])).toEqual([
      ['personas.a.system_prompt_file', 4, expect.stringContaining('file not found')],
      ['adapter', 1, 'unknown adapter "nope" for persona "b"'],
      ['personas.a.adapter', 3, 'unknown adapter "codx" for persona "a"'],
    ]);
  });
});
