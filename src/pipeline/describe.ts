import type { PipelineEntry } from './load-pipeline.js';
import type { StepKind } from './model.js';

/** The API's `Pipeline` object (API.md), also printed by `wave list pipelines --json`. */
export interface PipelineSummary {
  name: string;
  description: string;
  input: { type: string; required: boolean; example: string | null; description: string | null } | null;
  steps: { id: string; kind: StepKind; persona: string | null; dependencies: string[] }[];
  disabled: boolean;
  valid: boolean;
  errors: string[];
}

export function describePipeline(
  entry: PipelineEntry,
  formatError: (d: PipelineEntry['diagnostics'][number]) => string,
): PipelineSummary {
  const spec = entry.spec;
  return {
    name: entry.name,
    description: spec?.description ?? '',
    input: spec?.input
      ? {
          type: spec.input.type,
          required: spec.input.required,
          example: spec.input.example,
          description: spec.input.description,
        }
      : null,
    steps: (spec?.steps ?? []).map((s) => ({
      id: s.id,
      kind: s.kind,
      persona: s.persona,
      dependencies: s.dependencies,
    })),
    disabled: spec?.disabled ?? false,
    valid: spec !== null,
    errors: entry.diagnostics.filter((d) => d.severity === 'error').map(formatError),
  };
}
