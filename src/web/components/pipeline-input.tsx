import type { Pipeline } from '../api/types.js';

/** What input a pipeline expects, in words. */
export function PipelineInputInfo({ input }: { input: Pipeline['input'] }) {
  if (!input) return <p class="muted">This pipeline takes no input.</p>;
  return (
    <p>
      Input: {input.description ?? `a ${input.type}`} ({input.required ? 'required' : 'optional'},{' '}
      {input.type})
      {input.example ? (
        <>
          . Example: <code>{input.example}</code>
        </>
      ) : null}
    </p>
  );
}
