import { useEffect, useRef, useState } from 'preact/hooks';
import { listRuns } from '../api/endpoints.js';
import type { Run } from '../api/types.js';
import { type Throttled, throttle } from '../state/throttle.js';

/** The API's largest page: an iterate over hundreds of items takes a few requests. */
const PAGE = 200;

async function loadChildren(parent: string): Promise<Run[]> {
  const runs: Run[] = [];
  let cursor: string | null = null;
  do {
    const page = await listRuns({ parent, limit: PAGE, cursor });
    runs.push(...page.runs);
    cursor = page.next_cursor;
  } while (cursor);
  return runs;
}

/**
 * A run's child runs (`?parent=`), fetched when the run has any and again, throttled, whenever
 * `changes` moves (the count of children and child events the page knows). Failures keep the
 * last list: the next change tries again.
 */
export function useChildRuns(parent: string, changes: number): readonly Run[] {
  const [children, setChildren] = useState<readonly Run[]>([]);
  const fetchRef = useRef<Throttled | null>(null);

  useEffect(() => {
    let alive = true;
    // Only the latest request's answer is kept: an older one may arrive after it.
    let latest = 0;
    setChildren([]);
    const fetchSoon = throttle(() => {
      const request = ++latest;
      loadChildren(parent).then(
        (runs) => {
          if (alive && request === latest) setChildren(runs);
        },
        () => {},
      );
    }, 250);
    fetchRef.current = fetchSoon;
    return () => {
      alive = false;
      fetchSoon.cancel();
    };
  }, [parent]);

  useEffect(() => {
    if (changes > 0) fetchRef.current?.();
  }, [parent, changes]);

  return children;
}
