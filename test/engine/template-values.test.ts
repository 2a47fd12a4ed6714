import { describe, expect, it } from 'vitest';
import type { RunContext } from '../../src/engine/context.js';
import { templateValues } from '../../src/engine/template-values.js';
import type { StepSpec } from '../../src/pipeline/model.js';

/** Only what templateValues reads of a run. */
function context(over: {
  project?: Record<string, unknown>;
  templateEnv?: Record<string, string>;
}): RunContext {
  return {
    run: { id: 'run-1', input: 'fix it' },
    spec: { name: 'impl' },
    project: {
      root: '/nowhere',
      config: { project: over.project ?? {}, forge: 'bitbucket' },
      forge: {
        type: 'bitbucket',
        host: 'bitbucket.org',
        owner: 'team',
        repo: 'svc',
        cli_tool: 'bb',
        prefix: 'bb',
        pr_term: 'Pull Request',
        pr_command: 'pr',
      },
    },
    ...(over.templateEnv ? { templateEnv: over.templateEnv } : {}),
  } as unknown as RunContext;
}
const step = { id: 'plan', injects: [] } as unknown as StepSpec;

describe('template values of a step (GOWAVE §10, engine A)', () => {
  it('has the Go Wave names of the run, forge.* and env.* from RunContext.templateEnv', () => {
    const values = templateValues(context({ templateEnv: { profile: 'core' } }), step, []);
    expect(values).toMatchObject({
      input: 'fix it',
      'run.id': 'run-1',
      pipeline_id: 'run-1',
      'run.name': 'impl',
      'pipeline_context.pipeline_id': 'run-1',
      'pipeline_context.pipeline_name': 'impl',
      'pipeline_context.step_id': 'plan',
      'forge.type': 'bitbucket',
      'forge.owner': 'team',
      'forge.cli_tool': 'bb',
      'env.profile': 'core',
      // /nowhere is no repository.
      branch_name: '',
      feature_num: '',
    });
  });

  it('gives project.contract_test_command from test_command unless set', () => {
    expect(templateValues(context({ project: { test_command: 'make test' } }), step, [])).toMatchObject({
      'project.test_command': 'make test',
      'project.contract_test_command': 'make test',
    });
    expect(
      templateValues(context({ project: { test_command: 'a', contract_test_command: 'b' } }), step, []),
    ).toMatchObject({ 'project.contract_test_command': 'b' });
    expect(templateValues(context({}), step, [])['project.contract_test_command']).toBeUndefined();
  });
});
