import type { DiffStat } from '../api/types.js';
import { diffFiles } from '../state/diff-files.js';

/**
 * What the run changed in code: each file with its +/- counts, its diff behind a disclosure,
 * coloured line by line. Shown only for a run with changes.
 */
export function ChangesView({ stat, diff }: { stat: DiffStat; diff: string }) {
  const byPath = new Map(diffFiles(diff).map((f) => [f.path, f]));
  return (
    <div class="changes" data-testid="changes">
      <p class="changes-total">
        {stat.files.length} file{stat.files.length === 1 ? '' : 's'} changed,{' '}
        <span class="diff-added">+{stat.added}</span> <span class="diff-removed">-{stat.removed}</span>
      </p>
      {stat.files.map((f) => (
        <details key={f.path} class="change-file" data-path={f.path}>
          <summary>
            <span class={`change-status change-${f.status}`}>{f.status}</span> <code>{f.path}</code>{' '}
            <span class="diff-added">+{f.added}</span> <span class="diff-removed">-{f.removed}</span>
          </summary>
          <pre class="diff" data-testid={`diff-${f.path}`}>
            {(byPath.get(f.path)?.lines ?? []).map((l, i) => (
              <span key={i} class={`diff-line diff-${l.kind}`}>
                {l.text}
                {'\n'}
              </span>
            ))}
          </pre>
        </details>
      ))}
    </div>
  );
}
