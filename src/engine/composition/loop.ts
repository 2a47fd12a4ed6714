import type { PipelineSpec, StepSpec } from '../../pipeline/model.js';
import { resolvePlaceholders, resolveStepRefs } from './refs.js';
import { type CompositionResult, type CompositionScope, childError } from './scope.js';
import { STOP_ARTIFACT } from './sub-pipeline.js';

const DONE = new Set(['true', 'done', 'yes']);

/**
 * `loop`: each pass is a child run of the loop's steps (and its own `pipeline:` first), run in
 * dependency order; `until` is checked after each pass with `{{ iteration }}` set to the pass.
 * The last pass's outputs become the step's.
 */
export async function runLoop(s: CompositionScope): Promise<CompositionResult> {
  const loop = s.comp.loop!;
  // A parent's config.max_cycles sets the limit of a loop that gives none (GOWAVE.md §1).
  const maxIterations = loop.maxIterations || s.ctx.lineage?.maxCycles || 0;
  if (maxIterations <= 0)
    return { ok: false, error: { code: 'invalid_loop', message: 'loop.max_iterations must be above 0' } };
  const spec = passSpec(s);
  let last: string | null = null;
  for (let pass = 0; pass < maxIterations; pass++) {
    if (s.signal.aborted) return { cancelled: true };
    const end = await s.runChild({
      index: pass,
      pipeline: spec.name,
      spec,
      input: await s.childInput(),
      iteration: pass,
      scopeOf: s.ctx.run.id,
    });
    if (end.status === 'interrupted') return { cancelled: true };
    if (end.status !== 'completed' || !end.run) {
      if (end.status === 'cancelled' && s.signal.aborted) return { cancelled: true };
      return { ok: false, error: childError(end, `loop pass ${pass}`) };
    }
    last = end.run.id;
    if (loop.until !== null) {
      const passOutputs = await s.ctx.store.listArtifacts(end.run.id);
      const values = {
        ...s.values,
        iteration: String(pass),
        // Set when a sub-pipeline's config.stop_condition matched during the pass.
        sub_pipeline_stop: passOutputs.some((a) => a.name === STOP_ARTIFACT) ? 'true' : 'false',
      };
      const verdict = resolvePlaceholders(await resolveStepRefs(loop.until, s.artifacts), values).trim();
      if (DONE.has(verdict)) {
        s.ctx.recorder.activity({
          step: s.step.id,
          stream: 'stdout',
          content: `loop condition met after pass ${pass}`,
        });
        break;
      }
    }
  }
  if (last) await s.outputs.addChild(spec, await s.ctx.store.listArtifacts(last));
  return { ok: true };
}

/** The pipeline one pass runs: the loop's steps, their dependencies on outer steps dropped. */
function passSpec(s: CompositionScope): PipelineSpec {
  const loop = s.comp.loop!;
  const steps: StepSpec[] = [];
  const own = s.comp.pipeline
    ? ({
        ...s.step,
        id: 'pipeline',
        kind: 'pipeline',
        dependencies: [],
        composition: { ...s.comp, loop: null, iterate: null, aggregate: null, branch: null },
      } satisfies StepSpec)
    : null;
  if (own) steps.push(own);
  const ids = new Set([...loop.steps.map((x) => x.id), ...(own ? [own.id] : [])]);
  for (const inner of loop.steps) {
    const deps = inner.dependencies.filter((d) => ids.has(d));
    steps.push({ ...inner, dependencies: own && deps.length === 0 ? [own.id] : deps });
  }
  return {
    name: `${s.ctx.spec.name}.${s.step.id}`,
    description: `pass of loop "${s.step.id}" of ${s.ctx.spec.name}`,
    file: s.ctx.spec.file,
    disabled: false,
    release: false,
    category: null,
    input: null,
    requiresTools: [],
    outputs: {},
    steps,
  };
}
