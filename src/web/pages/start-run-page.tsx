import { useMemo, useState } from 'preact/hooks';
import { createRun, listPipelines } from '../api/endpoints.js';
import { errorMessage } from '../api/http.js';
import { DagGraph } from '../components/dag-graph.js';
import { ErrorNotice, Loading } from '../components/notice.js';
import { PageTitle } from '../components/page-title.js';
import { PipelineInputInfo } from '../components/pipeline-input.js';
import { PipelineSteps } from '../components/pipeline-steps.js';
import { useAsync } from '../hooks/use-async.js';
import { navigate } from '../hooks/use-route.js';
import { parseLabels } from '../state/labels.js';
import { runHref, startHref } from '../state/route.js';

/** Start a run: pick a pipeline, read what it needs, give input and labels, land on the run. */
export function StartRunPage({ pipeline }: { pipeline: string | null }) {
  const pipelines = useAsync(listPipelines, 'pipelines');
  const [input, setInput] = useState('');
  const [labelsText, setLabelsText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const usable = useMemo(
    () => (pipelines.data ?? []).filter((p) => p.valid && !p.disabled),
    [pipelines.data],
  );
  const selected = usable.find((p) => p.name === pipeline) ?? (pipeline ? undefined : usable[0]);
  const labels = parseLabels(labelsText);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!selected || labels.errors.length) return;
    setBusy(true);
    setError(null);
    try {
      const run = await createRun({
        pipeline: selected.name,
        ...(input !== '' ? { input } : {}),
        ...(Object.keys(labels.labels).length ? { labels: labels.labels } : {}),
      });
      navigate(runHref(run.id));
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };

  return (
    <>
      <PageTitle title="Start a run" />
      {pipelines.error && <ErrorNotice message={pipelines.error} onRetry={pipelines.reload} />}
      {pipelines.loading && <Loading what="pipelines" />}
      {pipelines.data && (
        <form class="start-form" onSubmit={submit}>
          <div class="field">
            <label for="start-pipeline">Pipeline</label>
            <select
              id="start-pipeline"
              value={selected?.name ?? ''}
              required
              onChange={(e) => navigate(startHref(e.currentTarget.value), { replace: true })}
            >
              {!selected && <option value="">Choose a pipeline</option>}
              {usable.map((p) => (
                <option key={p.name} value={p.name}>
                  {p.name}
                </option>
              ))}
            </select>
          </div>
          {pipeline && !selected && (
            <ErrorNotice message={`There is no runnable pipeline named "${pipeline}".`} />
          )}
          {selected && (
            <section class="panel" aria-labelledby="start-about">
              <h2 id="start-about">{selected.name}</h2>
              {selected.description && <p>{selected.description}</p>}
              <PipelineInputInfo input={selected.input} />
              <DagGraph steps={selected.steps} label={`Step graph of ${selected.name}`} />
              <PipelineSteps steps={selected.steps} />
            </section>
          )}
          <div class="field">
            <label for="start-input">Input{selected?.input?.required ? ' (required)' : ' (optional)'}</label>
            <textarea
              id="start-input"
              rows={4}
              value={input}
              required={selected?.input?.required ?? false}
              placeholder={selected?.input?.example ?? ''}
              aria-describedby="start-input-hint"
              onInput={(e) => setInput(e.currentTarget.value)}
            />
            <p id="start-input-hint" class="hint">
              {selected?.input?.description ?? 'Passed to the pipeline as {{ input }}.'}
            </p>
          </div>
          <div class="field">
            <label for="start-labels">Labels</label>
            <textarea
              id="start-labels"
              rows={3}
              value={labelsText}
              spellcheck={false}
              placeholder="team=core"
              aria-describedby="start-labels-hint"
              aria-invalid={labels.errors.length > 0}
              onInput={(e) => setLabelsText(e.currentTarget.value)}
            />
            <p id="start-labels-hint" class="hint">
              One <code>key=value</code> per line.
            </p>
            {labels.errors.length > 0 && (
              <ul class="notice notice-error" role="alert">
                {labels.errors.map((m) => (
                  <li key={m}>{m}</li>
                ))}
              </ul>
            )}
          </div>
          {error && <ErrorNotice message={error} />}
          <button type="submit" disabled={busy || !selected || labels.errors.length > 0}>
            {busy ? 'Starting…' : 'Start run'}
          </button>
        </form>
      )}
    </>
  );
}
