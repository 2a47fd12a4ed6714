import { useMemo } from 'preact/hooks';
import { listPipelines } from '../api/endpoints.js';
import { BoardColumn } from '../components/board-column.js';
import { BoardFilters } from '../components/board-filters.js';
import { FindRun } from '../components/find-run.js';
import { Link } from '../components/link.js';
import { ErrorNotice, Loading } from '../components/notice.js';
import { PageTitle } from '../components/page-title.js';
import { StreamIndicator } from '../components/stream-indicator.js';
import { useAsync } from '../hooks/use-async.js';
import { useBoard } from '../hooks/use-board.js';
import { navigate } from '../hooks/use-route.js';
import { type BoardFilter, columnsOf, FINISHED_STATUSES, RUN_STATUSES } from '../state/board.js';
import { boardHref, startHref } from '../state/route.js';

/** The runs board: a column per status, live; filters, find by id, older runs by page. */
export function BoardPage({ filter }: { filter: BoardFilter }) {
  const state = useBoard(filter);
  const pipelines = useAsync(listPipelines, 'pipelines');
  const columns = useMemo(() => columnsOf(state.board, filter), [state.board, filter]);
  const shown = RUN_STATUSES.filter((s) => filter.status === null || filter.status === s);
  const hasOlder = state.olderCursor !== null;

  return (
    <>
      <div class="page-head">
        <PageTitle title="Runs" />
        <StreamIndicator status={state.stream} />
        <Link href={startHref(filter.pipeline ?? undefined)} class="button">
          Start a run
        </Link>
      </div>
      <div class="toolbar">
        <BoardFilters
          filter={filter}
          pipelines={pipelines.data ?? []}
          onChange={(f) => navigate(boardHref(f), { replace: true })}
        />
        <FindRun />
      </div>
      {state.error && <ErrorNotice message={state.error} onRetry={state.reload} />}
      {state.loading ? (
        <Loading what="runs" />
      ) : (
        <div class="board" data-columns={shown.length}>
          {shown.map((status) => (
            <BoardColumn
              key={status}
              status={status}
              runs={columns[status]}
              more={hasOlder && FINISHED_STATUSES.includes(status)}
            />
          ))}
        </div>
      )}
      {hasOlder && (
        <div class="pager">
          <button
            type="button"
            class="button-secondary"
            onClick={state.loadOlder}
            disabled={state.loadingOlder}
          >
            {state.loadingOlder ? 'Loading older runs…' : 'Load older runs'}
          </button>
        </div>
      )}
    </>
  );
}
