import { useState } from 'preact/hooks';
import { RUN_ARTIFACT_STEP } from '../../events/run-artifact-step.js';
import { fetchArtifact } from '../api/endpoints.js';
import { errorMessage } from '../api/http.js';
import type { Step } from '../api/types.js';
import { saveBlob } from '../save-blob.js';
import { formatBytes } from '../state/format.js';

/**
 * The run's artifacts, each downloadable. Downloads go through fetch so they carry the bearer
 * token (the artifact route does not take one in the URL), then are saved from a blob.
 */
export function ArtifactList({
  runId,
  steps,
  runArtifacts,
}: {
  runId: string;
  steps: readonly Step[];
  /** The run's own artifacts (its diff), step `_run` in the artifacts route. */
  runArtifacts: readonly Step['artifacts'][number][];
}) {
  const [error, setError] = useState<string | null>(null);
  const rows = [
    ...steps.flatMap((s) => s.artifacts.map((a) => ({ step: s.id, ...a }))),
    ...runArtifacts.map((a) => ({ step: RUN_ARTIFACT_STEP, ...a })),
  ];
  if (rows.length === 0) return <p class="muted">No artifacts yet.</p>;

  const download = async (step: string, name: string) => {
    setError(null);
    try {
      saveBlob(await fetchArtifact(runId, step, name), name);
    } catch (err) {
      setError(`Could not download ${name}: ${errorMessage(err)}`);
    }
  };

  return (
    <>
      <ul class="artifacts">
        {rows.map((a) => (
          <li key={`${a.step}/${a.name}`}>
            <button
              type="button"
              class="button-link"
              onClick={() => download(a.step, a.name)}
              aria-label={
                a.step === RUN_ARTIFACT_STEP
                  ? `Download ${a.name} of the run`
                  : `Download ${a.name} from step ${a.step}`
              }
            >
              {a.name}
            </button>{' '}
            <span class="muted">
              {a.step === RUN_ARTIFACT_STEP ? (
                'of the run'
              ) : (
                <>
                  from <code>{a.step}</code>
                </>
              )}
              , {formatBytes(a.size)}
            </span>{' '}
            <code class="sha" title={`sha256 ${a.sha256}`}>
              {a.sha256.slice(0, 12)}
            </code>
          </li>
        ))}
      </ul>
      {error && (
        <p class="notice notice-error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}
