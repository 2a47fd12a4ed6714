import type { DiffStat } from '../api/types.js';
import { highlightLine, languageOf } from '../state/code-highlight.js';
import { type DiffFile, diffFiles } from '../state/diff-files.js';

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
            <DiffLines file={byPath.get(f.path)} path={f.path} />
          </pre>
        </details>
      ))}
    </div>
  );
}

/** The lines of one file's diff: +/- and context lines keep their marker and get the file's syntax colours. */
function DiffLines({ file, path }: { file: DiffFile | undefined; path: string }) {
  const language = languageOf(path);
  return (
    <>
      {(file?.lines ?? []).map((l, i) => {
        const code = l.kind === 'add' || l.kind === 'del' || l.kind === 'context';
        return (
          <span key={i} class={`diff-line diff-${l.kind}`}>
            {code && language ? (
              <>
                {l.text.slice(0, 1)}
                <span
                  class="hljs"
                  // highlight.js escapes the text: its output is the code with hljs-* spans around tokens.
                  dangerouslySetInnerHTML={{ __html: highlightLine(l.text.slice(1), language) }}
                />
              </>
            ) : (
              l.text
            )}
            {'\n'}
          </span>
        );
      })}
    </>
  );
}
