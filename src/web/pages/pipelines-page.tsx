import { listPipelines } from '../api/endpoints.js';
import { Link } from '../components/link.js';
import { ErrorNotice, Loading } from '../components/notice.js';
import { PageTitle } from '../components/page-title.js';
import { useAsync } from '../hooks/use-async.js';
import { pipelineHref, startHref } from '../state/route.js';

/** Every pipeline the server knows, with its steps count and whether it can run. */
export function PipelinesPage() {
  const pipelines = useAsync(listPipelines, 'pipelines');
  return (
    <>
      <PageTitle title="Pipelines" />
      {pipelines.error && <ErrorNotice message={pipelines.error} onRetry={pipelines.reload} />}
      {pipelines.loading && <Loading what="pipelines" />}
      {pipelines.data && (
        <ul class="cards">
          {pipelines.data.map((p) => (
            <li key={p.name} class="card" data-pipeline={p.name}>
              <h2>
                <Link href={pipelineHref(p.name)}>{p.name}</Link>
              </h2>
              <p>{p.description || <span class="muted">No description.</span>}</p>
              <p class="muted">
                {p.steps.length} {p.steps.length === 1 ? 'step' : 'steps'}
                {p.input?.required ? ', needs input' : ''}
                {p.disabled ? ', disabled' : ''}
                {!p.valid ? ', invalid' : ''}
              </p>
              {p.valid && !p.disabled && (
                <Link href={startHref(p.name)} class="button button-secondary">
                  Start a run<span class="visually-hidden"> of {p.name}</span>
                </Link>
              )}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
