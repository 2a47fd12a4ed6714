import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { getRun, listRuns } from '../api/endpoints.js';
import { openEventStream, type StreamStatus } from '../api/event-stream.js';
import { errorMessage } from '../api/http.js';
import type { Run } from '../api/types.js';
import {
  ACTIVE_STATUSES,
  applyBoardEvents,
  type Board,
  type BoardFilter,
  childRunIds,
  emptyBoard,
  FINISHED_PAGE,
  FINISHED_STATUSES,
  parentsWithNewChildren,
  statusesToLoad,
  unknownRunIds,
  upsertRuns,
} from '../state/board.js';
import { BOARD_EVENT_TYPES } from '../state/event-types.js';
import { isTerminalStatus } from '../state/run-projection.js';
import { throttle } from '../state/throttle.js';

/** Active runs are all loaded (they are few): at most this many pages of 200. */
const ACTIVE_PAGES = 5;

export interface BoardState {
  board: Board;
  loading: boolean;
  error: string | null;
  /** The cursor of the next page of finished runs, null when there is none. */
  olderCursor: string | null;
  loadingOlder: boolean;
  loadOlder: () => void;
  stream: StreamStatus;
  reload: () => void;
}

async function loadActive(filter: BoardFilter): Promise<Run[]> {
  const statuses = statusesToLoad(ACTIVE_STATUSES, filter);
  if (statuses.length === 0) return [];
  const runs: Run[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < ACTIVE_PAGES; page++) {
    const res = await listRuns({ statuses, pipeline: filter.pipeline, limit: 200, cursor });
    runs.push(...res.runs);
    cursor = res.next_cursor;
    if (!cursor) break;
  }
  return runs;
}

async function loadFinished(
  filter: BoardFilter,
  cursor: string | null,
): Promise<{ runs: Run[]; next: string | null }> {
  const statuses = statusesToLoad(FINISHED_STATUSES, filter);
  if (statuses.length === 0) return { runs: [], next: null };
  const res = await listRuns({ statuses, pipeline: filter.pipeline, limit: FINISHED_PAGE, cursor });
  return { runs: res.runs, next: res.next_cursor };
}

/**
 * The runs board: every active run, the newest finished ones (older ones page by page), kept
 * live from `/api/events` without reloading. Events move runs between columns at once; a
 * throttled refetch then corrects queue positions and anything a dropped connection missed.
 */
export function useBoard(filter: BoardFilter): BoardState {
  const [board, setBoard] = useState<Board>(emptyBoard);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [olderCursor, setOlderCursor] = useState<string | null>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [stream, setStream] = useState<StreamStatus>('connecting');
  const [attempt, setAttempt] = useState(0);
  const boardRef = useRef(board);
  boardRef.current = board;
  // The filter object is new on every render; its fields say when to start over.
  const filterKey = `${filter.pipeline ?? ''}|${filter.status ?? ''}`;

  useEffect(() => {
    let alive = true;
    const fetching = new Set<string>();
    // Child runs are not shown: their events must not make the board fetch them.
    const children = new Set<string>();
    setBoard(emptyBoard);
    setLoading(true);
    setError(null);
    setOlderCursor(null);

    const initial = async () => {
      try {
        const [active, finished] = await Promise.all([loadActive(filter), loadFinished(filter, null)]);
        if (!alive) return;
        setBoard((b) => upsertRuns(upsertRuns(b, active), finished.runs));
        setOlderCursor(finished.next);
        setError(null);
      } catch (err) {
        if (alive) setError(errorMessage(err));
      } finally {
        if (alive) setLoading(false);
      }
    };

    /** Refetches the active runs and the first page of finished ones, keeping older pages. */
    const reconcile = async () => {
      try {
        const [active, finished] = await Promise.all([loadActive(filter), loadFinished(filter, null)]);
        if (!alive) return;
        const fresh = new Set([...active, ...finished.runs].map((r) => r.id));
        // Runs shown as active that neither list has any more ended meanwhile: ask for them.
        const gone = [...boardRef.current.values()]
          .filter((r) => !isTerminalStatus(r.status) && !fresh.has(r.id))
          .map((r) => r.id);
        setBoard((b) => upsertRuns(upsertRuns(b, active), finished.runs));
        fetchRuns(gone);
      } catch {
        // The next event or reconnection tries again.
      }
    };
    const reconcileSoon = throttle(() => void reconcile(), 500);

    const fetchRuns = (ids: readonly string[]) => {
      for (const id of ids) {
        if (fetching.has(id)) continue;
        fetching.add(id);
        getRun(id)
          .then((run) => {
            if (run.parent) children.add(run.id);
            else if (alive) setBoard((b) => upsertRuns(b, [stripDetail(run)]));
          })
          .catch(() => {})
          .finally(() => fetching.delete(id));
      }
    };

    // A fan-out starts many children at once: their parents' counts are fetched in one go.
    const staleParents = new Set<string>();
    const refetchParents = throttle(() => {
      // A parent still being fetched waits for the next round: its answer may predate the event.
      const ready = [...staleParents].filter((id) => !fetching.has(id));
      for (const id of ready) staleParents.delete(id);
      fetchRuns(ready);
      if (staleParents.size > 0) refetchParents();
    }, 500);

    void initial();
    const subscription = openEventStream('/api/events', {
      types: BOARD_EVENT_TYPES,
      probe: () => listRuns({ limit: 1 }),
      onStatus: (status) => setStream(status),
      onReconnect: reconcileSoon,
      onEvents: (events) => {
        for (const id of childRunIds(events)) children.add(id);
        setBoard((b) => applyBoardEvents(b, events));
        fetchRuns(unknownRunIds(boardRef.current, events, filter, children));
        const parents = parentsWithNewChildren(boardRef.current, events);
        if (parents.length > 0) {
          for (const id of parents) staleParents.add(id);
          refetchParents();
        }
        // A run starting or a queued run cancelled moves the queue: positions come from the API.
        if (events.some((e) => e.type === 'run_started' || e.type === 'run_cancelled')) reconcileSoon();
      },
    });
    return () => {
      alive = false;
      subscription.close();
      reconcileSoon.cancel();
      refetchParents.cancel();
    };
  }, [filterKey, attempt]);

  const loadOlder = useCallback(() => {
    if (!olderCursor || loadingOlder) return;
    setLoadingOlder(true);
    loadFinished(filter, olderCursor)
      .then((page) => {
        setBoard((b) => upsertRuns(b, page.runs));
        setOlderCursor(page.next);
      })
      .catch((err: unknown) => setError(errorMessage(err)))
      .finally(() => setLoadingOlder(false));
  }, [olderCursor, loadingOlder, filter]);

  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  return { board, loading, error, olderCursor, loadingOlder, loadOlder, stream, reload };
}

/** The board holds run summaries: the detail's steps and gates are dropped. */
function stripDetail(
  run: Run & { steps?: unknown; gates?: unknown; outcomes?: unknown; outputs?: unknown },
): Run {
  const { steps: _s, gates: _g, outcomes: _o, outputs: _p, ...summary } = run;
  return summary;
}
