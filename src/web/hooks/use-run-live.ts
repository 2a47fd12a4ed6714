import { useEffect, useRef, useState } from 'preact/hooks';
import { getRun } from '../api/endpoints.js';
import { openEventStream, type StreamStatus } from '../api/event-stream.js';
import { errorMessage } from '../api/http.js';
import type { RunDetail, WaveEvent } from '../api/types.js';
import { EventLedger } from '../state/event-ledger.js';
import { isTerminalEvent } from '../state/event-types.js';
import { applyEventsToDetail } from '../state/run-projection.js';
import { throttle } from '../state/throttle.js';

export interface RunLive {
  detail: RunDetail | null;
  error: string | null;
  /** Every event of the run, once each, in seq order. */
  events: readonly WaveEvent[];
  /** Changes when `events` does (for memoised views). */
  version: number;
  stream: { status: StreamStatus; detail?: string };
  refresh: () => void;
}

const NO_EVENTS: readonly WaveEvent[] = [];

/** Events whose full effect only a refetch shows (usage, sizes, attempts, answers, children). */
const REFRESHING: ReadonlySet<string> = new Set([
  'child_run_started',
  'step_completed',
  'step_failed',
  'artifact_written',
  'gate_waiting',
  'gate_answered',
  'run_waiting',
  'run_completed',
  'run_failed',
  'run_cancelled',
]);

/**
 * A run kept live: its detail from the API, its events from the run's SSE stream (replay,
 * then live). Events update the detail at once; a throttled refetch then fills in the rest,
 * and events newer than the refetch are applied on top of it.
 */
export function useRunLive(id: string): RunLive {
  const [detail, setDetail] = useState<RunDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const [stream, setStream] = useState<RunLive['stream']>({ status: 'connecting' });
  const ledgerRef = useRef<EventLedger<WaveEvent> | null>(null);
  const refreshRef = useRef<() => void>(() => {});

  useEffect(() => {
    const ledger = new EventLedger<WaveEvent>();
    ledgerRef.current = ledger;
    let alive = true;
    setDetail(null);
    setError(null);
    setVersion(0);

    const refresh = async () => {
      const seenBefore = ledger.lastSeq;
      try {
        const fresh = await getRun(id);
        if (!alive) return;
        setDetail(applyEventsToDetail(fresh, ledger.after(seenBefore)));
        setError(null);
      } catch (err) {
        if (alive) setError(errorMessage(err));
      }
    };
    const refreshSoon = throttle(() => void refresh(), 250);
    refreshRef.current = () => void refresh();
    void refresh();

    const subscription = openEventStream(`/api/runs/${encodeURIComponent(id)}/events`, {
      since: 0,
      endOnTerminal: true,
      probe: () => getRun(id),
      onStatus: (status, info) => setStream(info === undefined ? { status } : { status, detail: info }),
      onEvents: (batch) => {
        const { added, appended } = ledger.add(batch);
        if (added.length === 0) return;
        setVersion(ledger.version);
        if (appended) setDetail((d) => d && applyEventsToDetail(d, added));
        if (!appended || added.some((e) => REFRESHING.has(e.type) || isTerminalEvent(e))) refreshSoon();
      },
    });
    return () => {
      alive = false;
      subscription.close();
      refreshSoon.cancel();
    };
  }, [id]);

  return {
    detail,
    error,
    events: ledgerRef.current?.events ?? NO_EVENTS,
    version,
    stream,
    refresh: () => refreshRef.current(),
  };
}
