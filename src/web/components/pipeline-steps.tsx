import type { Pipeline } from '../api/types.js';

/** A pipeline's steps as a list: kind, persona, what each waits for. */
export function PipelineSteps({ steps }: { steps: Pipeline['steps'] }) {
  return (
    <ol class="pipeline-steps">
      {steps.map((s) => (
        <li key={s.id}>
          <code>{s.id}</code> <span class="muted">{s.kind}</span>
          {s.persona && <span> as {s.persona}</span>}
          {s.dependencies.length > 0 && (
            <span class="muted">
              {' '}
              after {s.dependencies.map((d, i) => [i > 0 ? ', ' : '', <code key={d}>{d}</code>])}
            </span>
          )}
        </li>
      ))}
    </ol>
  );
}
