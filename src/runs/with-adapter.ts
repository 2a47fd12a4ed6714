import type { PipelineSpec, StepSpec } from '../pipeline/model.js';

/**
 * A child pipeline as a composition step with `adapter:` runs it (GOWAVE.md §1): every prompt
 * step, in loops too, uses that adapter. The child's snapshot holds it, so a resume does too.
 */
export function withAdapter(spec: PipelineSpec, adapter: string): PipelineSpec {
  return { ...spec, steps: spec.steps.map((s) => stepWithAdapter(s, adapter)) };
}

function stepWithAdapter(step: StepSpec, adapter: string): StepSpec {
  const loop = step.composition?.loop;
  if (loop && step.composition) {
    return {
      ...step,
      composition: {
        ...step.composition,
        loop: { ...loop, steps: loop.steps.map((s) => stepWithAdapter(s, adapter)) },
      },
    };
  }
  return step.kind === 'prompt' ? { ...step, adapter } : step;
}
