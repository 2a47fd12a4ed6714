import { useEffect, useState } from 'preact/hooks';
import { fetchDiffStat, fetchDiffText } from '../api/endpoints.js';
import { ApiError } from '../api/http.js';
import type { DiffStat } from '../api/types.js';

export interface RunChanges {
  stat: DiffStat;
  diff: string;
}

/**
 * The run's changes, fetched again whenever `version` changes (a step ended); null while it
 * has none (404 no_changes) or they could not be read.
 */
export function useRunChanges(runId: string, version: number): RunChanges | null {
  const [changes, setChanges] = useState<RunChanges | null>(null);
  useEffect(() => {
    let stale = false;
    Promise.all([fetchDiffStat(runId), fetchDiffText(runId)]).then(
      ([stat, diff]) => {
        if (!stale) setChanges({ stat, diff });
      },
      (err: unknown) => {
        if (!stale && err instanceof ApiError && err.code === 'no_changes') setChanges(null);
      },
    );
    return () => {
      stale = true;
    };
  }, [runId, version]);
  return changes;
}
