import { describe, expect, it } from 'vitest';
import { loadProject } from '../../src/config/load-project.js';
import type { Diagnostic } from '../../src/pipeline/diagnostics.js';
import { tempProject, yaml } from '../helpers/tmp.js';

const PERSONAS = {
  '.wave/personas/navigator.md': '# Navigator\n',
  '.wave/personas/craftsman.md': '# Craftsman\n',
  '.wave/contracts/review.md': '# Criteria\n- tests pass\n',
};

function diagnosticsOf(pipeline: string): Diagnostic[] {
  const root = tempProject({ ...PERSONAS, '.wave/pipelines/p.yaml': pipeline });
  return loadProject({ cwd: root, env: {}, lenient: true }).pipeline('p')!.diagnostics;
}

const errors = (list: Diagnostic[]) =>
  list.filter((d) => d.severity === 'error').map((d) => [d.line, d.path, d.message]);

describe('rework, review contracts and poll gates load', () => {
  it('as the Go Wave writes them, with no error', () => {
    const list = diagnosticsOf(yaml`
      kind: WavePipeline
      steps:
        - id: implement
          persona: craftsman
          exec: { type: prompt, source: Implement }
          retry: { policy: aggressive, max_attempts: 2, on_failure: rework, rework_step: fix-implement }
          handover:
            contracts:
              - type: agent_review
                persona: navigator
                criteria_path: .wave/contracts/review.md
                model: balanced
                token_budget: 0
                timeout: 300s
                context: [{ source: git_diff }, { source: artifact, artifact: plan, max_size: 1000 }]
                on_failure: warn
              - { type: llm_judge, source: out.md, criteria: [clear, correct], threshold: 0.75, on_failure: continue }
              - { type: format, source: out.json, schema_path: .wave/contracts/github-pr-draft.schema.json }
              - { type: event_contains, events: [{ state: step_started, contains: implement }] }
              - { type: source_diff, glob: "*.go", exclude: ["vendor/**"], min_files: 1 }
              - { type: typescript_interface, schema_path: types.ts, must_pass: false }
              - { type: spec_derived_test, spec_artifact: spec.md, test_persona: navigator }
        - id: fix-implement
          persona: craftsman
          rework_only: true
          exec: { type: prompt, source: Fix }
          handover:
            contracts:
              - { type: test_diff, on_failure: rework, max_test_deletions: 0, test_file_pattern: "*.test.ts" }
              - { type: test_count_baseline, base_ref: HEAD~1, on_failure: rework, test_func_pattern: "^it\\\\(" }
        - id: assess
          type: command
          script: 'true'
          retry: { max_attempts: 2, on_failure: warn, no_escalate: true }
          handover: { contract: { type: non_empty_file, source: x, on_failure: rejected } }
        - id: later
          dependencies: [implement]
          gate: { type: ci_pass, branch: main, interval: 30s, timeout: 45m }
        - id: merged
          dependencies: [later]
          gate: { type: pr_merge, pr_number: 12, repo: acme/widgets, tui_action: open }
        - id: pause
          dependencies: [merged]
          gate: { type: timer, timeout: 10m }
    `);
    expect(errors(list)).toEqual([]);
  });

  it('report each broken rework rule with its line and path', () => {
    const list = diagnosticsOf(yaml`
      kind: WavePipeline
      steps:
        - id: a
          type: command
          script: 'true'
          retry: { on_failure: rework }
        - id: b
          type: command
          script: 'true'
          retry: { rework_step: fixer }
        - id: c
          type: command
          script: 'true'
          retry: { on_failure: rework, rework_step: c }
        - id: d
          type: command
          script: 'true'
          retry: { on_failure: rework, rework_step: e }
        - id: e
          type: command
          script: 'true'
        - id: f
          type: command
          script: 'true'
          retry: { on_failure: rework, rework_step: fixer }
        - id: g
          type: command
          script: 'true'
          retry: { on_failure: rework, rework_step: fixer }
        - id: fixer
          rework_only: true
          type: command
          script: 'true'
        - id: h
          dependencies: [fixer]
          type: command
          script: 'true'
        - id: i
          type: command
          script: 'true'
          retry: { on_failure: rework, rework_step: fixr }
    `);
    expect(errors(list)).toEqual([
      [6, 'steps[0].retry.on_failure', '`on_failure: rework` needs `retry.rework_step`'],
      [10, 'steps[1].retry.rework_step', '`rework_step` is used only with `retry.on_failure: rework`'],
      [14, 'steps[2].retry.rework_step', 'a step cannot be its own rework step'],
      [
        18,
        'steps[3].retry.rework_step',
        'rework step "e" must have `rework_only: true` (else the DAG runs it too)',
      ],
      [
        29,
        'steps[6].retry.rework_step',
        'rework step "fixer" already repairs "f": each rework step serves one step',
      ],
      [
        35,
        'steps[8].dependencies[0]',
        '"fixer" is rework_only: it never runs in the DAG, so nothing can wait for it',
      ],
      [41, 'steps[9].retry.rework_step', 'unknown rework step "fixr"'],
    ]);
    expect(list.find((d) => d.path === 'steps[9].retry.rework_step')?.hint).toBe('did you mean "fixer"?');
  });

  it('report review contracts and poll gates that cannot work', () => {
    const list = diagnosticsOf(yaml`
      kind: WavePipeline
      steps:
        - id: a
          persona: navigator
          exec: { type: prompt, source: Review }
          handover:
            contracts:
              - { type: agent_review, persona: navigator, criteria_path: .wave/contracts/review.md }
              - { type: agent_review, persona: reviewr, criteria_path: .wave/contracts/review.md }
              - { type: llm_judge, source: x.md }
              - { type: contract_of_mine }
        - id: g1
          gate: { type: pr_merge }
        - id: g2
          gate: { type: timer }
        - id: g3
          gate: { type: carrier_pigeon }
    `);
    const found = errors(list).map(([line, path]) => [line, path]);
    expect(found).toEqual([
      [11, 'steps[0].handover.contracts[3].type'],
      [17, 'steps[3].gate.type'],
    ]);
    // Once the schema errors are fixed, the rules of each contract and gate apply.
    const fixed = diagnosticsOf(yaml`
      kind: WavePipeline
      steps:
        - id: a
          persona: navigator
          exec: { type: prompt, source: Review }
          handover:
            contracts:
              - { type: agent_review, persona: navigator, criteria_path: .wave/contracts/review.md }
              - { type: agent_review, persona: reviewr, criteria_path: .wave/contracts/review.md }
              - { type: llm_judge, source: x.md }
        - id: g1
          gate: { type: pr_merge }
        - id: g2
          gate: { type: timer }
    `);
    expect(errors(fixed)).toEqual([
      [
        8,
        'steps[0].handover.contracts[0].persona',
        'the reviewer persona must differ from the step\'s ("navigator")',
      ],
      [9, 'steps[0].handover.contracts[1].persona', 'unknown persona "reviewr"'],
      [10, 'steps[0].handover.contracts[2]', 'an llm_judge contract needs `criteria` (a list)'],
      [12, 'steps[1].gate', 'a pr_merge gate needs `pr_number`'],
      [14, 'steps[2].gate', 'a timer gate needs `timeout`'],
    ]);
  });
});
