import { readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { WaveEvent } from '../../src/events/catalogue.js';
import { expectWellFormed, harness, PATH_WITH_FAKE_CLAUDE } from '../helpers/engine-harness.js';
import { yaml } from '../helpers/tmp.js';

/** Each contract's outcome in order: [type, 'passed' | first error]. */
const outcomes = (events: WaveEvent[], step: string) =>
  events.flatMap((e) =>
    e.type === 'contract_passed' && e.step === step
      ? [[e.contract, 'passed']]
      : e.type === 'contract_failed' && e.step === step
        ? [[e.contract, e.errors[0] ?? '']]
        : [],
  );

const errorsOf = (events: WaveEvent[], step: string, contract: string) =>
  events.find((e) => e.type === 'contract_failed' && e.step === step && e.contract === contract) as
    | { errors: string[] }
    | undefined;

const MANIFEST = yaml`
  kind: WaveManifest
  adapters:
    claude: { binary: claude, output_format: stream-json, env: { PATH: ${JSON.stringify(PATH_WITH_FAKE_CLAUDE)} } }
  personas:
    writer: { adapter: claude, system_prompt_file: .wave/personas/writer.md }
    reviewer: { adapter: claude, system_prompt_file: .wave/personas/reviewer.md }
`;

const reviewPipeline = (criteriaFile: string, judgeCriterion: string) => yaml`
  kind: WavePipeline
  steps:
    - id: write
      persona: writer
      exec: { type: prompt, source: "Write the report." }
      output_artifacts: [{ name: report, path: out/report.md, type: markdown }]
      handover:
        contracts:
          - type: agent_review
            persona: reviewer
            criteria_path: ${criteriaFile}
            context: [{ source: artifact, artifact: report }]
            on_failure: continue
          - type: llm_judge
            criteria: ["${judgeCriterion}", "Is concise"]
            threshold: 0.75
            on_failure: continue
`;

const files = {
  'wave.yaml': MANIFEST,
  '.wave/personas/writer.md': '# Writer\n',
  '.wave/personas/reviewer.md': 'You are the REVIEWER persona.\n',
  '.wave/contracts/ok.md': '# Criteria\n- Is correct\n',
  '.wave/contracts/fail.md': '# Criteria\n- Is correct\n\nmock-verdict: fail\n',
  '.wave/contracts/garbage.md': '# Criteria\n\nmock-verdict: unparseable\n',
};

describe('agent_review and llm_judge with the mock adapter', () => {
  it('pass with the mock’s passing verdicts', async () => {
    const h = await harness({
      ...files,
      '.wave/pipelines/r.yaml': reviewPipeline('.wave/contracts/ok.md', 'Is clear'),
    });
    const f = await h.run('r', { mock: true });
    expectWellFormed(f);
    expect(f.result.status).toBe('completed');
    expect(outcomes(f.events, 'write')).toEqual([
      ['agent_review', 'passed'],
      ['llm_judge', 'passed'],
    ]);
  });

  it('fail when the mock is asked for a failing verdict', async () => {
    const h = await harness({
      ...files,
      '.wave/pipelines/r.yaml': reviewPipeline('.wave/contracts/fail.md', 'mock-verdict: fail'),
    });
    const f = await h.run('r', { mock: true });
    expectWellFormed(f);
    expect(outcomes(f.events, 'write')).toEqual([
      ['agent_review', 'agent review verdict: fail — mock review: failed on request'],
      ['llm_judge', 'Score: 0% (threshold: 75%)'],
    ]);
    expect(errorsOf(f.events, 'write', 'agent_review')?.errors[1]).toBe(
      '[major] the mock reviewer was told to fail',
    );
    expect(errorsOf(f.events, 'write', 'llm_judge')?.errors.slice(1)).toEqual([
      'FAIL mock-verdict: fail — mock judge: failed on request',
      'FAIL Is concise — mock judge: failed on request',
    ]);
  });

  it('fail, quoting the reply, when it holds no verdict', async () => {
    const h = await harness({
      ...files,
      '.wave/pipelines/r.yaml': reviewPipeline('.wave/contracts/garbage.md', 'mock-verdict: unparseable'),
    });
    const f = await h.run('r', { mock: true });
    expect(outcomes(f.events, 'write')).toEqual([
      ['agent_review', `the reviewer's reply has no verdict JSON: "The mock reviewer has no opinion today."`],
      [
        'llm_judge',
        `the judge's reply has no criteria_results JSON: "The mock reviewer has no opinion today."`,
      ],
    ]);
  });

  it('fail the step when on_failure is fail', async () => {
    const h = await harness({
      ...files,
      '.wave/pipelines/r.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: write
            persona: writer
            exec: { type: prompt, source: "Write." }
            handover:
              contract: { type: agent_review, persona: reviewer, criteria_path: .wave/contracts/fail.md }
      `,
    });
    const f = await h.run('r', { mock: true });
    expect(f.result.error).toMatchObject({ code: 'contract_failed', step: 'write' });
    expect(f.result.error?.message).toContain('agent review verdict: fail');
  });
});

describe('agent_review through the claude adapter', () => {
  const scenario = (root: string, name: string, result: string) => {
    const file = join(root, `${name}.jsonl`);
    writeFileSync(
      file,
      [
        { __write: { path: 'out/report.md', content: '# Report\n' } },
        { type: 'result', subtype: 'success', is_error: false, result, usage: {} },
      ]
        .map((l) => JSON.stringify(l))
        .join('\n'),
    );
    return file;
  };

  it('runs the reviewer persona with the criteria and context, and reads its verdict', async () => {
    const h = await harness({
      ...files,
      '.wave/pipelines/r.yaml': reviewPipeline('.wave/contracts/ok.md', 'x'),
    });
    const verdict =
      'Here is my review:\n```json\n{"verdict": "warn", "issues": [], "confidence": 0.8, "summary": "fine"}\n```';
    const record = h.path('calls.jsonl');
    const f = await h.run('r', {
      env: { FAKE_CLAUDE_SCENARIO: scenario(h.root, 'verdict', verdict), FAKE_CLAUDE_RECORD: record },
    });
    // The step, then the review (the judge gets the same reply, which has no criteria results).
    const calls = readFileSync(record, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { argv: string[]; stdin: string });
    expect(calls).toHaveLength(3);
    const review = calls[1]!;
    expect(review.argv.join(' ')).toContain('You are the REVIEWER persona.');
    expect(review.stdin).toContain('## Review Criteria');
    expect(review.stdin).toContain('- Is correct');
    expect(review.stdin).toContain('### Artifact report');
    expect(review.stdin).toContain('## Required Output Format');
    expect(calls[2]!.stdin).toContain('1. x');
    expect(outcomes(f.events, 'write')[0]).toEqual(['agent_review', 'passed']);
  });

  it('llm_judge: the step is told the criteria, and the judge’s score decides', async () => {
    const h = await harness({
      ...files,
      '.wave/pipelines/j.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: write
            persona: writer
            exec: { type: prompt, source: "Write the report." }
            output_artifacts: [{ name: report, path: out/report.md }]
            handover:
              contract: { type: llm_judge, criteria: [Is clear, Is short], threshold: 0.5 }
      `,
    });
    const reply = JSON.stringify({
      criteria_results: [
        { criterion: 'Is clear', pass: true, reasoning: 'yes' },
        { criterion: 'Is short', pass: false, reasoning: 'no' },
      ],
      overall_pass: false,
      score: 0,
    });
    const record = h.path('calls.jsonl');
    const f = await h.run('j', {
      env: { FAKE_CLAUDE_SCENARIO: scenario(h.root, 'judge', reply), FAKE_CLAUDE_RECORD: record },
    });
    const calls = readFileSync(record, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { argv: string[]; stdin: string });
    expect(calls[0]!.stdin).toContain('## Quality criteria');
    expect(calls[0]!.stdin).toContain('at least 50% must be met:\n1. Is clear\n2. Is short');
    expect(calls[1]!.argv.join(' ')).toContain('objective code quality judge');
    expect(calls[1]!.stdin).toContain('--- Content to evaluate ---\n# Report');
    // 1 of 2 passed: 50% meets the threshold, whatever the model's own score says.
    expect(outcomes(f.events, 'write')).toEqual([['llm_judge', 'passed']]);
    expect(f.result.status).toBe('completed');
  });

  it('adds the review’s usage to the step’s, and warns when it is over token_budget', async () => {
    const h = await harness({
      ...files,
      '.wave/pipelines/u.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: write
            persona: writer
            exec: { type: prompt, source: "Write." }
            handover:
              contract: { type: agent_review, persona: reviewer, criteria_path: .wave/contracts/ok.md, token_budget: 100 }
      `,
    });
    const file = join(h.root, 'costly.jsonl');
    writeFileSync(
      file,
      JSON.stringify({
        type: 'result',
        subtype: 'success',
        is_error: false,
        result: '{"verdict": "pass", "confidence": 1}',
        usage: { input_tokens: 300, output_tokens: 20 },
        total_cost_usd: 0.5,
      }),
    );
    const f = await h.run('u', { env: { FAKE_CLAUDE_SCENARIO: file } });
    expect(f.result.status).toBe('completed');
    // The step's own call and the review's, each 320 tokens and $0.50.
    expect(f.detail.steps?.[0]?.usage).toEqual({ tokens_in: 600, tokens_out: 40, cost_usd: 1 });
    const lines = f.events.flatMap((e) => (e.type === 'stream_activity' ? [e.content] : []));
    expect(lines).toContain('agent_review used 320 tokens, over its token_budget of 100');
  });

  it('gives the reviewer the committed diff against main as git_diff context', async () => {
    const h = await harness({
      ...files,
      '.wave/pipelines/d.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: change
            type: command
            script: |
              set -e
              g() { git -c user.email=t@example.com -c user.name=t "$@"; }
              git init -q -b main .
              echo one > f.txt; g add .; g commit -qm one
              git checkout -q -b feature
              echo changed > f.txt; g commit -qam two
            handover:
              contract:
                type: agent_review
                persona: reviewer
                criteria_path: .wave/contracts/ok.md
                context: [{ source: git_diff }]
      `,
    });
    const record = h.path('calls.jsonl');
    const verdict = '{"verdict": "pass", "confidence": 0.9}';
    const f = await h.run('d', {
      env: { FAKE_CLAUDE_SCENARIO: scenario(h.root, 'diff', verdict), FAKE_CLAUDE_RECORD: record },
    });
    expect(f.result.status).toBe('completed');
    const stdin = (JSON.parse(readFileSync(record, 'utf8').trim()) as { stdin: string }).stdin;
    expect(stdin).toContain('### Git diff (main..HEAD)');
    expect(stdin).toContain('+changed');
  });

  it('quotes a reply that is not a verdict, shortened', async () => {
    const h = await harness({
      ...files,
      '.wave/pipelines/r.yaml': reviewPipeline('.wave/contracts/ok.md', 'x'),
    });
    const reply = `I could not decide. ${'blah '.repeat(200)}`;
    const f = await h.run('r', { env: { FAKE_CLAUDE_SCENARIO: scenario(h.root, 'garbage', reply) } });
    const [type, error] = outcomes(f.events, 'write')[0]!;
    expect(type).toBe('agent_review');
    expect(error).toMatch(/^the reviewer's reply has no verdict JSON: "I could not decide\. blah blah/);
    expect(error).toMatch(/…"$/);
    expect(error!.length).toBeLessThan(400);
  });
});

/** A command step that makes its workspace a git repository as `setup` says, then checks `contracts`. */
const gitStep = (setup: string, contracts: string) => yaml`
  kind: WavePipeline
  steps:
    - id: change
      type: command
      script: |
        set -e
        git init -q .
        g() { git -c user.email=t@example.com -c user.name=t "$@"; }
        ${setup}
      handover:
        contracts: ${contracts}
`;

const TESTS_2 = 'func TestA(t *testing.T) {}\\nfunc TestB(t *testing.T) {}\\n';
const TESTS_1 = 'func TestA(t *testing.T) {}\\n';

describe('diff contracts', () => {
  it('test_diff fails when uncommitted changes delete tests, passes when they add some', async () => {
    const h = await harness({
      '.wave/pipelines/del.yaml': gitStep(
        `printf '${TESTS_2}' > a_test.go; g add .; g commit -qm one; printf '${TESTS_1}' > a_test.go`,
        '[{ type: test_diff, on_failure: continue }, { type: test_diff, max_test_deletions: 1, on_failure: continue }]',
      ),
      '.wave/pipelines/add.yaml': gitStep(
        `printf '${TESTS_1}' > a_test.go; g add .; g commit -qm one; printf '${TESTS_2}' > a_test.go`,
        '[{ type: test_diff }]',
      ),
    });
    const del = await h.run('del');
    expect(outcomes(del.events, 'change')).toEqual([
      ['test_diff', expect.stringContaining('removes 1 test function and adds 0: net 1 deleted')],
      ['test_diff', 'passed'],
    ]);
    expect((await h.run('add')).result.status).toBe('completed');
  });

  it('test_count_baseline compares HEAD with base_ref', async () => {
    const h = await harness({
      '.wave/pipelines/b.yaml': gitStep(
        `printf '${TESTS_2}' > x_test.go; g add .; g commit -qm one; printf '${TESTS_1}' > x_test.go; g commit -qam two`,
        '[{ type: test_count_baseline, on_failure: continue }, { type: test_count_baseline, base_ref: HEAD, on_failure: continue }, { type: test_count_baseline, test_file_pattern: "*.ts", on_failure: continue }]',
      ),
    });
    const f = await h.run('b');
    expect(outcomes(f.events, 'change')).toEqual([
      [
        'test_count_baseline',
        'HEAD has 1 test functions, 2 at HEAD~1: 1 fewer, more than max_test_deletions 0; restore the deleted tests',
      ],
      ['test_count_baseline', 'passed'],
      ['test_count_baseline', 'passed'],
    ]);
  });

  it('source_diff counts changed files matching glob and not excluded', async () => {
    const h = await harness({
      '.wave/pipelines/s.yaml': gitStep(
        'mkdir -p vendor; echo a > a.go; echo v > vendor/v.go; echo r > README.md; g add .; g commit -qm one; echo b >> a.go; echo w >> vendor/v.go; echo s >> README.md',
        '[{ type: source_diff, glob: "*.go", exclude: ["vendor/**"], on_failure: continue }, { type: source_diff, glob: "*.go", exclude: ["vendor/**"], min_files: 2, on_failure: continue }, { type: source_diff, glob: "*.rs", on_failure: continue }]',
      ),
    });
    const f = await h.run('s');
    expect(outcomes(f.events, 'change')).toEqual([
      ['source_diff', 'passed'],
      ['source_diff', '1 changed file match "*.go" (excluding vendor/**); at least 2 must change'],
      ['source_diff', '0 changed files match "*.rs"; at least 1 must change'],
    ]);
  });
});

describe('format, event_contains, typescript_interface and spec_derived_test', () => {
  it('format checks a JSON object by the rules its schema name picks', async () => {
    const goodPr = {
      title: 'fix(engine): stop the rework loop',
      body: `## Summary\n${'Fixes the loop. '.repeat(5)}\n## Changes\n- one\n## Testing\n- [x] unit tests\n\nRelated to #12`,
      head: 'fix-loop',
      base: 'main',
    };
    const badPr = { title: 'Fixed stuff', body: 'Closes #12', head: 'main', base: '' };
    const h = await harness({
      '.wave/pipelines/f.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: draft
            type: command
            script: |
              echo '${JSON.stringify(goodPr)}' > good.json
              echo '${JSON.stringify(badPr)}' > bad.json
              echo '{"notes": "TODO later"}' > generic.json
            handover:
              contracts:
                - { type: format, source: good.json, schema_path: .agents/contracts/github-pr-draft.schema.json, on_failure: continue }
                - { type: format, source: bad.json, schema_path: .agents/contracts/github-pr-draft.schema.json, on_failure: continue }
                - { type: format, source: generic.json, schema_path: .agents/contracts/notes.schema.json, on_failure: continue }
      `,
    });
    const f = await h.run('f');
    expect(outcomes(f.events, 'draft').map(([, r]) => r)).toEqual([
      'passed',
      'bad.json (pr format): title is not a conventional commit ("type(scope): text")',
      'generic.json (generic format): notes contains placeholder text',
    ]);
    const bad = errorsOf(f.events, 'draft', 'format')!.errors;
    expect(bad).toContain('bad.json (pr format): body uses a closing keyword (closes/fixes/resolves #N)');
    expect(bad).toContain('bad.json (pr format): head must not be main');
  });

  it('event_contains finds this step’s events; typescript_interface compiles; spec_derived_test passes', async () => {
    const bin = join(process.cwd(), 'node_modules/.bin');
    const h = await harness({
      '.wave/types/ok.ts': 'export interface Ok { id: string }\n',
      '.wave/types/bad.ts': 'export const n: number = "text";\n',
      '.wave/pipelines/e.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: check
            type: command
            script: 'echo hello'
            handover:
              contracts:
                - { type: event_contains, events: [{ state: step_started }, { state: stream_activity, contains: hello }], on_failure: continue }
                - { type: event_contains, events: [{ state: artifact_written }], on_failure: continue }
                - { type: typescript_interface, schema_path: .wave/types/ok.ts, on_failure: continue }
                - { type: typescript_interface, schema_path: .wave/types/bad.ts, on_failure: continue }
                - { type: spec_derived_test, spec_artifact: spec.md, test_persona: tester }
      `,
    });
    const f = await h.run('e', { env: { PATH: `${bin}${delimiter}${process.env.PATH}` } });
    expect(outcomes(f.events, 'check')).toEqual([
      ['event_contains', 'passed'],
      ['event_contains', 'no artifact_written event of step "check"'],
      ['typescript_interface', 'passed'],
      ['typescript_interface', 'tsc reports problems in .wave/types/bad.ts'],
      ['spec_derived_test', 'passed'],
    ]);
    const tsc = (f.events.filter((e) => e.type === 'contract_failed') as { errors: string[] }[])[1]!.errors;
    expect(tsc.join('\n')).toContain("Type 'string' is not assignable to type 'number'");
  });

  it('typescript_interface without tsc passes unless must_pass is true', async () => {
    const h = await harness({
      '.wave/types/ok.ts': 'export interface Ok { id: string }\n',
      '.wave/pipelines/t.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: check
            type: command
            script: 'true'
            handover:
              contracts:
                - { type: typescript_interface, schema_path: .wave/types/ok.ts, on_failure: continue }
                - { type: typescript_interface, schema_path: .wave/types/ok.ts, must_pass: true, on_failure: continue }
      `,
    });
    const f = await h.run('t', { env: { PATH: '/usr/bin:/bin' } });
    expect(outcomes(f.events, 'check')).toEqual([
      ['typescript_interface', 'passed'],
      ['typescript_interface', 'tsc is not on PATH, and must_pass is true: install TypeScript'],
    ]);
  });
});

describe('test_suite under --mock', () => {
  it('only warns for a prompt step (the mock changed no code) and still fails a command step', async () => {
    const h = await harness({
      ...files,
      '.wave/pipelines/m.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: agent
            persona: writer
            exec: { type: prompt, source: "Implement." }
            handover:
              contract: { type: test_suite, command: 'echo "no go here"; exit 127' }
          - id: tests
            dependencies: [agent]
            type: command
            script: 'true'
            handover:
              contract: { type: test_suite, command: 'exit 1' }
      `,
    });
    const f = await h.run('m', { mock: true });
    expectWellFormed(f);
    const failed = f.events.filter((e) => e.type === 'contract_failed');
    expect(failed.map((e) => [e.step, e.on_failure])).toEqual([
      ['agent', 'warn'],
      ['tests', 'fail'],
    ]);
    expect((failed[0] as { errors: string[] }).errors.at(-1)).toContain(
      '--mock: the mock agent changed no code',
    );
    expect(f.result.error).toMatchObject({ code: 'contract_failed', step: 'tests' });
  });
});
