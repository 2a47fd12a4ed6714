import { describe, expect, it } from 'vitest';
import { expectWellFormed, harness, ofType, stepOf } from '../helpers/engine-harness.js';
import { yaml } from '../helpers/tmp.js';

const SCHEMA = JSON.stringify({
  type: 'object',
  required: ['title', 'count'],
  properties: { title: { type: 'string' }, count: { type: 'integer' } },
});

/** A step writing good or bad files for all four contract types, each checked with `on_failure`. */
const contractsStep = (id: string, good: boolean, onFailure: string, extra = '') => `
  - id: ${id}
    type: command
    script: |
      mkdir -p out
      ${good ? `echo '{"title": "t", "count": 3}' > out/data.json` : `echo '{"title": 5}' > out/data.json`}
      ${good ? 'echo content > out/notes.txt' : ': > out/notes.txt'}
      ${good ? "printf '# Report\\n\\n## Summary\\ntext\\n## Risks\\nnone\\n' > out/report.md" : "printf '# Report\\n\\n## Summary\\n' > out/report.md"}
    output_artifacts: [{ name: data, path: out/data.json, type: json }]
    handover:
      contracts:
        - { type: json_schema, schema_path: .wave/contracts/data.schema.json, on_failure: ${onFailure} }
        - { type: test_suite, command: "${good ? 'test -s out/data.json' : 'echo checking; exit 3'}", on_failure: ${onFailure} }
        - { type: non_empty_file, source: out/notes.txt, on_failure: ${onFailure} }
        - { type: markdown_spec, source: out/report.md, required_sections: [Summary, Risks], on_failure: ${onFailure} }
${extra}`;

const pipeline = (steps: string) => `kind: WavePipeline\nsteps:\n${steps}`;

describe('contracts', () => {
  it('that hold emit contract_passed for each of the four types', async () => {
    const h = await harness({
      '.wave/contracts/data.schema.json': SCHEMA,
      '.wave/pipelines/good.yaml': pipeline(contractsStep('good', true, 'fail')),
    });
    const f = await h.run('good');
    expectWellFormed(f);
    expect(f.result).toEqual({ status: 'completed', error: null });
    expect(ofType(f.events, 'contract_passed').map((e) => e.contract)).toEqual([
      'json_schema',
      'test_suite',
      'non_empty_file',
      'markdown_spec',
    ]);
    expect(ofType(f.events, 'contract_failed')).toEqual([]);
  });

  it('that fail with on_failure continue or warn let the step succeed, each failure recorded', async () => {
    const h = await harness({
      '.wave/contracts/data.schema.json': SCHEMA,
      '.wave/pipelines/soft.yaml': pipeline(
        contractsStep('cont', false, 'continue') +
          contractsStep('warned', false, 'warn') +
          yaml`
            - id: lenient
              type: command
              script: 'touch empty'
              handover:
                contract: { type: non_empty_file, source: empty, must_pass: false }
            - id: after
              dependencies: [cont, warned, lenient]
              type: command
              script: 'true'
          `.replace(/^/gm, '  '),
      ),
    });
    const f = await h.run('soft');
    expectWellFormed(f);
    expect(f.result).toEqual({ status: 'completed', error: null });
    const failed = ofType(f.events, 'contract_failed');
    const byStep = (step: string) => failed.filter((e) => e.step === step);
    for (const [step, onFailure] of [
      ['cont', 'continue'],
      ['warned', 'warn'],
    ] as const) {
      expect(byStep(step).map((e) => [e.contract, e.on_failure])).toEqual([
        ['json_schema', onFailure],
        ['test_suite', onFailure],
        ['non_empty_file', onFailure],
        ['markdown_spec', onFailure],
      ]);
      const [schema, suite, file, md] = byStep(step);
      expect(schema?.errors.join('\n')).toContain('out/data.json does not match the schema');
      expect(schema?.errors.join('\n')).toContain('/title must be string');
      expect(schema?.errors.join('\n')).toContain("must have required property 'count'");
      expect(suite?.errors[0]).toContain('exited with code 3');
      expect(suite?.errors).toContain('checking');
      expect(file?.errors[0]).toContain('out/notes.txt is empty');
      expect(md?.errors.join('\n')).toContain('Risks');
      expect(md?.errors.join('\n')).not.toContain('Summary');
      expect(stepOf(f.detail, step).status).toBe('completed');
    }
    expect(byStep('lenient')).toEqual([
      expect.objectContaining({ contract: 'non_empty_file', on_failure: 'warn' }),
    ]);
    expect(stepOf(f.detail, 'after').status).toBe('completed');
  });

  it('that fail with on_failure fail fail the step (contract_failed), each type on its own', async () => {
    const step = (id: string, contract: string, script: string) =>
      `  - id: ${id}\n    optional: true\n    type: command\n    script: ${JSON.stringify(script)}\n    handover:\n      contract: ${contract}\n`;
    const h = await harness({
      '.wave/contracts/data.schema.json': SCHEMA,
      '.wave/pipelines/hard.yaml': pipeline(
        step(
          'schema',
          '{ type: json_schema, source: d.json, schema_path: .wave/contracts/data.schema.json }',
          'echo "{" > d.json',
        ) +
          step('suite', '{ type: test_suite, command: "exit 9" }', 'true') +
          step('nonempty', '{ type: non_empty_file, source: missing.txt }', 'true') +
          step(
            'md',
            '{ type: markdown_spec, source: r.md, required_sections: ["## Plan"] }',
            'echo "# Other" > r.md',
          ),
      ),
    });
    const f = await h.run('hard');
    expectWellFormed(f);
    // All four are optional: the run goes on and completes.
    expect(f.result.status).toBe('completed');
    for (const id of ['schema', 'suite', 'nonempty', 'md']) {
      const s = stepOf(f.detail, id);
      expect(s.status, id).toBe('failed');
      expect(s.error?.code, id).toBe('contract_failed');
    }
    expect(stepOf(f.detail, 'schema').error?.message).toContain('not valid JSON');
    expect(stepOf(f.detail, 'suite').error?.message).toContain('exited with code 9');
    expect(stepOf(f.detail, 'nonempty').error?.message).toContain('missing.txt');
    expect(stepOf(f.detail, 'md').error?.message).toContain('Plan');
  });

  it('that fail with on_failure fail are retried when the retry policy allows', async () => {
    const h = await harness({
      '.wave/pipelines/again.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: flaky
            type: command
            script: |
              n=$(cat "$WAVE_PROJECT_ROOT/count" 2>/dev/null || echo 0); n=$((n + 1)); echo $n > "$WAVE_PROJECT_ROOT/count"
              if [ "$n" -ge 2 ]; then echo done > result.txt; fi
            retry: { max_attempts: 3, base_delay: 1ms }
            handover:
              contract: { type: non_empty_file, source: result.txt }
      `,
    });
    const f = await h.run('again');
    expectWellFormed(f);
    expect(f.result.status).toBe('completed');
    expect(h.read('count').trim()).toBe('2');
    const kinds = f.events
      .filter((e) => e.type.startsWith('contract_') || e.type.startsWith('step_'))
      .map((e) => e.type);
    expect(kinds).toEqual([
      'step_started',
      'contract_failed',
      'step_failed',
      'step_retrying',
      'step_started',
      'contract_passed',
      'step_completed',
    ]);
    expect(stepOf(f.detail, 'flaky').attempts).toBe(2);
  });

  it('that fail with on_failure skip skip the step and its dependents, and the run completes', async () => {
    const h = await harness({
      '.wave/pipelines/skip.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: gated
            type: command
            script: 'true'
            handover:
              contract: { type: test_suite, command: "false", on_failure: skip }
          - id: child
            dependencies: [gated]
            type: command
            script: touch "$WAVE_PROJECT_ROOT/child-ran"
          - id: grandchild
            dependencies: [child]
            type: command
            script: touch "$WAVE_PROJECT_ROOT/grandchild-ran"
          - id: independent
            type: command
            script: 'true'
      `,
    });
    const f = await h.run('skip');
    expectWellFormed(f);
    expect(f.result).toEqual({ status: 'completed', error: null });
    expect(f.detail.steps?.map((s) => [s.id, s.status])).toEqual([
      ['gated', 'skipped'],
      ['child', 'skipped'],
      ['grandchild', 'skipped'],
      ['independent', 'completed'],
    ]);
    const skipped = ofType(f.events, 'step_skipped');
    expect(skipped.find((e) => e.step === 'gated')?.reason).toBe(
      'contract test_suite failed (on_failure: skip)',
    );
    expect(skipped.find((e) => e.step === 'child')?.reason).toBe('dependency "gated" was skipped');
    expect(skipped.find((e) => e.step === 'grandchild')?.reason).toBe('dependency "child" was skipped');
    expect(ofType(f.events, 'contract_failed')[0]?.on_failure).toBe('skip');
  });
});
