import { describe, expect, it } from 'vitest';
import { loadProject } from '../../src/config/load-project.js';
import type { Diagnostic } from '../../src/pipeline/diagnostics.js';
import { tempProject, yaml } from '../helpers/tmp.js';

const FILES = {
  'wave.yaml':
    'kind: WaveManifest\nmetadata: { name: svc, forge: gitlab }\nproject: { test_command: make test }\n',
  '.wave/personas/navigator.md': '# Navigator\n',
  '.wave/personas/gitlab-commenter.md': '# Commenter\n',
  '.wave/contracts/f.schema.json': '{"type":"object"}',
};

function load(pipeline: string): { list: Diagnostic[]; spec: unknown } {
  const root = tempProject({ ...FILES, '.wave/pipelines/p.yaml': pipeline });
  const entry = loadProject({ cwd: root, env: {}, lenient: true }).pipeline('p')!;
  return { list: entry.diagnostics, spec: entry.spec };
}
const errors = (list: Diagnostic[]) =>
  list.filter((d) => d.severity === 'error').map((d) => [d.line, d.path, d.message]);

describe('loading Go Wave pipelines (GOWAVE §12)', () => {
  it('accepts the fields Wave does not act on, each recorded as ignored with its line and path', () => {
    const { list, spec } = load(yaml`
      kind: WavePipeline
      metadata: { name: p, release: true, category: audit }
      input: { source: cli, example: "x", label_filter: bug, batch_size: 5, schema: { type: string } }
      chat_context:
        artifact_summaries: [report]
        suggested_questions: ["What?"]
        max_context_tokens: 8000
      skills: ["{{ project.skill }}"]
      requires: { skills: { speckit: { check: "true" } } }
      steps:
        - id: scan
          persona: navigator
          thread: audit
          fidelity: full
          max_concurrent_agents: 4
          exec: { type: prompt, source: scan }
          retry: { policy: standard, max_delay: 10s, no_escalate: true }
          output_artifacts: [ { name: report, path: .agents/output/report.json, type: json } ]
          handover:
            compaction: { trigger: "token_limit_80%", persona: summarizer }
            contract:
              type: json_schema
              schema_path: .wave/contracts/f.schema.json
              validate: true
              token_budget: 0
              allow_recovery: true
              recovery_level: progressive
              progressive_validation: false
              warn_on_recovery: true
              disable_wrapper_detection: false
              debug_mode: false
    `);
    expect(errors(list)).toEqual([]);
    expect(spec).not.toBeNull();
    expect(list.filter((d) => d.severity === 'warning')).toEqual([]);
    expect(list.map((d) => [d.severity, d.line, d.path])).toEqual([
      ['ignored', 3, 'input.label_filter'],
      ['ignored', 3, 'input.batch_size'],
      ['ignored', 4, 'chat_context'],
      ['ignored', 8, 'skills'],
      ['ignored', 9, 'requires.skills'],
      ['ignored', 14, 'steps[0].fidelity'],
      ['ignored', 15, 'steps[0].max_concurrent_agents'],
      ['ignored', 17, 'steps[0].retry.no_escalate'],
      ['ignored', 20, 'steps[0].handover.compaction'],
      ['ignored', 24, 'steps[0].handover.contract.validate'],
      ['ignored', 25, 'steps[0].handover.contract.token_budget'],
      ['ignored', 26, 'steps[0].handover.contract.allow_recovery'],
      ['ignored', 27, 'steps[0].handover.contract.recovery_level'],
      ['ignored', 28, 'steps[0].handover.contract.progressive_validation'],
      ['ignored', 29, 'steps[0].handover.contract.warn_on_recovery'],
      ['ignored', 30, 'steps[0].handover.contract.disable_wrapper_detection'],
      ['ignored', 31, 'steps[0].handover.contract.debug_mode'],
    ]);
  });

  it('accepts the graph-mode hints and workspace and handover fields of the Go Wave schema as ignored', () => {
    const { list, spec } = load(yaml`
      kind: WavePipeline
      hooks: [ { name: h, event: step_start, type: command, command: "true" } ]
      max_step_visits: 3
      steps:
        - id: a
          script: "true"
          max_visits: 2
          workspace: { ref: parent, root: ./ }
          handover: { on_review_fail: retry, target_step: a }
    `);
    expect(errors(list)).toEqual([]);
    expect(spec).not.toBeNull();
    expect(list.map((d) => [d.severity, d.path])).toEqual([
      ['ignored', 'hooks'],
      ['ignored', 'max_step_visits'],
      ['ignored', 'steps[0].max_visits'],
      ['ignored', 'steps[0].workspace.ref'],
      ['ignored', 'steps[0].workspace.root'],
      ['ignored', 'steps[0].handover.on_review_fail'],
      ['ignored', 'steps[0].handover.target_step'],
    ]);
  });

  it('still refuses a field that is in no list, with a did-you-mean (Go Wave names included)', () => {
    const { list } = load(yaml`
      kind: WavePipeline
      chat_contxt: {}
      steps:
        - id: a
          script: "true"
          thred: x
    `);
    expect(list.filter((d) => d.severity === 'error').map((d) => [d.line, d.path, d.hint])).toEqual([
      [2, 'chat_contxt', 'did you mean "chat_context"?'],
      [6, 'steps[0].thred', 'did you mean "thread"?'],
    ]);
  });

  it('accepts subset_from, inject schema_path, any artifact type and thread', () => {
    const { list, spec } = load(yaml`
      kind: WavePipeline
      steps:
        - id: fetch
          script: "true"
          output_artifacts:
            - { name: ctx, path: ctx.json, type: json }
            - { name: conf, path: conf.yaml, type: yaml }
            - { name: blob, path: b.bin, type: protobuf }
        - id: scan
          script: "true"
          dependencies: [fetch]
          thread: t
          workspace: { mount: [ { source: ./, target: /project, subset_from: fetch.ctx.changed_files } ] }
          memory:
            inject_artifacts:
              - { step: fetch, artifact: ctx, as: c, schema_path: .wave/contracts/f.schema.json }
    `);
    expect(errors(list)).toEqual([]);
    const steps = (
      spec as { steps: { outputs: { type: string }[]; injects: unknown[]; workspace: unknown }[] }
    ).steps;
    expect(steps[0]!.outputs.map((o) => o.type)).toEqual(['json', 'yaml', 'protobuf']);
    expect(steps[1]!.injects[0]).toMatchObject({ schemaPath: '.wave/contracts/f.schema.json' });
    expect(steps[1]!.workspace).toMatchObject({
      mount: [{ source: './', target: '/project', subsetFrom: 'fetch.ctx.changed_files' }],
    });
  });

  it('requires the steps of one thread to form a dependency chain (rework-only steps aside)', () => {
    const { list } = load(yaml`
      kind: WavePipeline
      steps:
        - { id: a, script: "true", thread: t }
        - { id: b, script: "true", thread: t, dependencies: [a] }
        - { id: c, script: "true", thread: t, dependencies: [a] }
        - { id: d, script: "true", thread: u }
        - { id: e, script: "true", thread: u, dependencies: [x] }
        - { id: x, script: "true", dependencies: [d] }
    `);
    expect(
      list.filter((d) => d.severity === 'error').map((d) => [d.line, d.path, d.message, d.hint]),
    ).toEqual([
      [
        5,
        'steps[2].thread',
        'steps of thread "t" must form a dependency chain: "c" and "b" do not depend on each other',
        'add "b" to the dependencies of "c"',
      ],
    ]);
  });

  it('checks a missing inject schema file, an inject type that differs, and a malformed subset_from', () => {
    const { list } = load(yaml`
      kind: WavePipeline
      steps:
        - id: fetch
          script: "true"
          output_artifacts: [ { name: ctx, path: ctx.json, type: json } ]
        - id: scan
          script: "true"
          dependencies: [fetch]
          workspace: { mount: [ { source: ./, subset_from: fetch.ctx } ] }
          memory:
            inject_artifacts:
              - { step: fetch, artifact: ctx, schema_path: .wave/contracts/nope.json }
              - { step: fetch, artifact: ctx, as: c2, type: markdown }
              - { step: fetch, artifact: ctx, as: c3, type: json }
    `);
    expect(errors(list)).toEqual([
      [
        9,
        'steps[1].workspace.mount[0].subset_from',
        'subset_from "fetch.ctx" is not "<step>.<artifact>.<json.path>"',
      ],
      [12, 'steps[1].memory.inject_artifacts[0].schema_path', expect.stringContaining('file not found')],
      [
        13,
        'steps[1].memory.inject_artifacts[1].type',
        'type "markdown" does not match the type "json" that step "fetch" declares for "ctx"',
      ],
    ]);
  });
});

describe('Go Wave template names (engine A, GOWAVE §10)', () => {
  it('knows forge.*, env.*, pipeline_id, deps.<dep>.<name>, artifacts.<dep>.<name> and contract_test_command', () => {
    const { list } = load(yaml`
      kind: WavePipeline
      requires: { tools: ["{{ forge.cli_tool }}"] }
      steps:
        - id: fetch.pr
          script: "true"
          output_artifacts: [ { name: pr.context, path: "out/{{ pipeline_id }}.json", type: json } ]
        - id: post
          persona: "{{ forge.type }}-commenter"
          dependencies: [fetch.pr]
          workspace: { type: worktree, branch: "{{ pipeline_id }}", base: "{{ env.base }}" }
          exec:
            type: prompt
            source: |
              Use {{ forge.cli_tool }} {{ forge.pr_command }} on {{ forge.host }}/{{ forge.owner }}/{{ forge.repo }}
              ({{ forge.prefix }}, {{ forge.pr_term }}) for {{ env.profile }} in {{ pipeline_context.pipeline_name }} on {{ branch_name }} ({{ feature_num }}).
              Read {{ deps.fetch.pr.pr.context }} and {{ artifacts.fetch.pr.pr.context }}; run {{ project.contract_test_command }}.
              Prose about {{ forge.* }} and {{ project.* }} and {{ '<finding-id>' }} is left as written.
    `);
    expect(errors(list)).toEqual([]);
  });

  it('refuses unknown forge fields, artifacts a dependency lacks, and deps of steps not depended on', () => {
    const { list } = load(yaml`
      kind: WavePipeline
      steps:
        - id: a
          script: "true"
          output_artifacts: [ { name: plan, path: plan.json } ]
        - id: b
          script: "true"
        - id: c
          dependencies: [a]
          script: echo {{ forge.kind }} {{ deps.a.plan }} {{ deps.a.plna }} {{ deps.b.x }} {{ artifacts.a.nope }}
    `);
    expect(list.filter((d) => d.severity === 'error').map((d) => [d.message, d.hint])).toEqual([
      [expect.stringContaining('unknown template name "forge.kind": forge gives type, host'), undefined],
      [
        'unknown template name "deps.a.plna": step "a" has no output artifact "plna"',
        'did you mean "deps.a.plan"?',
      ],
      [
        expect.stringContaining(
          'unknown template name "deps.b.x": deps.<step>.<artifact> names an artifact of a step this step depends on directly',
        ),
        undefined,
      ],
      [
        'unknown template name "artifacts.a.nope": step "a" has no output artifact "nope"',
        'did you mean "artifacts.a.plan"?',
      ],
    ]);
  });

  it('resolves a templated persona name with the project forge, and reports the resolved name when unknown', () => {
    const ok = load(yaml`
      kind: WavePipeline
      steps: [ { id: a, persona: "{{ forge.type }}-commenter", exec: { type: prompt, source: hi } } ]
    `);
    expect(errors(ok.list)).toEqual([]);
    const bad = load(yaml`
      kind: WavePipeline
      steps: [ { id: a, persona: "{{ forge.type }}-analyst", exec: { type: prompt, source: hi } } ]
    `);
    expect(errors(bad.list)).toEqual([
      [2, 'steps[0].persona', 'unknown persona "gitlab-analyst" (from "{{ forge.type }}-analyst")'],
    ]);
  });
});
