import { getPipeline } from '../api/endpoints.js';
import { DagGraph } from '../components/dag-graph.js';
import { Link } from '../components/link.js';
import { ErrorNotice, Loading } from '../components/notice.js';
import { PageTitle } from '../components/page-title.js';
import { PipelineInputInfo } from '../components/pipeline-input.js';
import { PipelineRecent } from '../components/pipeline-recent.js';
import { PipelineSteps } from '../components/pipeline-steps.js';
import { useAsync } from '../hooks/use-async.js';
import { boardHref, startHref } from '../state/route.js';

/** One pipeline: description, input, step graph, steps, and its YAML source. */
export function PipelinePage({ name }: { name: string }) {
  const pipeline = useAsync(() => getPipeline(name), name);
  const p = pipeline.data;
  return (
    <>
      <div class="page-head">
        <PageTitle title={`Pipeline ${name}`} />
        {p?.valid && !p.disabled && (
          <Link href={startHref(name)} class="button">
            Start a run
          </Link>
        )}
        <Link href={boardHref({ pipeline: name, status: null })}>Its runs</Link>
      </div>
      {pipeline.error && <ErrorNotice message={pipeline.error} onRetry={pipeline.reload} />}
      {pipeline.loading && <Loading what="the pipeline" />}
      {p && (
        <>
          {p.description && <p>{p.description}</p>}
          <PipelineInputInfo input={p.input} />
          {p.errors.length > 0 && (
            <ul class="notice notice-error">
              {p.errors.map((m) => (
                <li key={m}>{m}</li>
              ))}
            </ul>
          )}
          <section class="panel" aria-labelledby="pipeline-graph">
            <h2 id="pipeline-graph">Steps</h2>
            <DagGraph steps={p.steps} label={`Step graph of ${p.name}`} />
            <PipelineSteps steps={p.steps} />
          </section>
          <PipelineRecent name={p.name} />
          <section class="panel" aria-labelledby="pipeline-source">
            <h2 id="pipeline-source">YAML source</h2>
            {/* biome-ignore lint/a11y/noNoninteractiveTabindex: the source scrolls; keyboard users need to reach it. */}
            <pre class="source" tabIndex={0} data-testid="pipeline-yaml">
              <code>{p.source}</code>
            </pre>
          </section>
        </>
      )}
    </>
  );
}
