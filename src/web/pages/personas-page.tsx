import { listPersonas } from '../api/endpoints.js';
import { ErrorNotice, Loading } from '../components/notice.js';
import { PageTitle } from '../components/page-title.js';
import { useAsync } from '../hooks/use-async.js';

/** The personas prompt steps run under: adapter, model, description. */
export function PersonasPage() {
  const personas = useAsync(listPersonas, 'personas');
  return (
    <>
      <PageTitle title="Personas" />
      {personas.error && <ErrorNotice message={personas.error} onRetry={personas.reload} />}
      {personas.loading && <Loading what="personas" />}
      {personas.data &&
        (personas.data.length === 0 ? (
          <p class="muted">No personas are defined.</p>
        ) : (
          <div class="table-scroll">
            <table>
              <caption class="visually-hidden">Personas</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Adapter</th>
                  <th scope="col">Model</th>
                  <th scope="col">Description</th>
                </tr>
              </thead>
              <tbody>
                {personas.data.map((p) => (
                  <tr key={p.name}>
                    <th scope="row">{p.name}</th>
                    <td>{p.adapter}</td>
                    <td>{p.model ?? '—'}</td>
                    <td>{p.description}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
    </>
  );
}
