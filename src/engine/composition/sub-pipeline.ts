import { resolvePlaceholders } from './refs.js';
import { type CompositionResult, type CompositionScope, childError } from './scope.js';

/** A bare `pipeline:` step, or a branch's chosen case: one child; its outputs become the step's. */
export async function runSubPipeline(s: CompositionScope, pipeline: string): Promise<CompositionResult> {
  const end = await s.runChild({
    index: 0,
    pipeline,
    input: await s.childInput(),
    iteration: s.ctx.lineage?.iteration ?? null,
  });
  if (end.status === 'interrupted') return { cancelled: true };
  if (end.status !== 'completed' || !end.run) {
    if (end.status === 'cancelled' && s.signal.aborted) return { cancelled: true };
    return { ok: false, error: childError(end, `sub-pipeline "${pipeline}"`) };
  }
  const [spec, artifacts] = await Promise.all([
    s.ctx.store.getRunSpec(end.run.id),
    s.ctx.store.listArtifacts(end.run.id),
  ]);
  if (spec) await s.outputs.addChild(spec, artifacts);
  if (s.comp.stopCondition !== null && stopConditionMet(s, s.comp.stopCondition))
    await s.outputs.addText(STOP_ARTIFACT, 'true', 'text');
  return { ok: true };
}

/** Recorded when `config.stop_condition` matched: a loop's `{{ sub_pipeline_stop }}` is then true. */
export const STOP_ARTIFACT = 'sub_pipeline_stop';

/**
 * `config.stop_condition` after the child succeeded: resolved with the run's values and the
 * child's `env.*`; `env.<key>=<value>` compares one of them, else the text must be true, done or yes.
 */
function stopConditionMet(s: CompositionScope, condition: string): boolean {
  const values = { ...s.values };
  for (const [k, v] of Object.entries({ ...s.ctx.templateEnv, ...s.comp.env })) values[`env.${k}`] = v;
  const text = resolvePlaceholders(condition, values).trim();
  const eq = /^(?:context\.)?([\w.-]+)=(.*)$/.exec(text);
  if (eq) return (values[eq[1]!] ?? values[`env.${eq[1]}`]) === eq[2];
  return ['true', 'done', 'yes'].includes(text);
}

/** `branch`: the case equal to `on` (not trimmed), else `default` or `_default`; `skip` runs nothing. */
export async function runBranch(s: CompositionScope): Promise<CompositionResult> {
  const branch = s.comp.branch!;
  const on = await s.resolve(branch.on);
  const target = branch.cases[on] ?? branch.cases.default ?? branch.cases._default;
  if (target === undefined) {
    return {
      ok: false,
      error: {
        code: 'no_matching_case',
        message: `branch: "${on}" matches no case (${Object.keys(branch.cases).join(', ')}) and there is no default`,
      },
    };
  }
  if (target === 'skip') {
    s.ctx.recorder.activity({ step: s.step.id, stream: 'stdout', content: `branch "${on}": skip` });
    return { ok: true };
  }
  s.ctx.recorder.activity({ step: s.step.id, stream: 'stdout', content: `branch "${on}": ${target}` });
  return runSubPipeline(s, target);
}
