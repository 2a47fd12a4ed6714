import type { Pacer } from '../pacer.js';
import type { OutputLine, Store } from '../store/store.js';

export type LogFormat = 'text' | 'ndjson';

/** Lines per page, and the content characters after which a page ends early (long lines). */
const PAGE_LINES = 1000;
const PAGE_CHARS = 32 * 1024;

/** One output line as `wave logs` and GET /logs give it: `[step] content`, or an NDJSON object. */
export function logLine(
  line: Pick<OutputLine, 'seq' | 'ts' | 'step' | 'stream' | 'content'>,
  format: LogFormat,
): string {
  return format === 'ndjson'
    ? `${JSON.stringify({ seq: line.seq, ts: line.ts, step: line.step, stream: line.stream, content: line.content })}\n`
    : `[${line.step}] ${line.content}\n`;
}

/**
 * A run's logs as text chunks of one bounded page each, so a log of any size is never held
 * whole. With a pacer, each page is read and rendered in its turn: a long log never holds the
 * event loop. The consumer pulls: nothing is read ahead of what it takes.
 */
export async function* logChunks(
  store: Store,
  q: { runId: string; step?: string | undefined; format: LogFormat },
  pacer?: Pacer,
): AsyncGenerator<string> {
  let after = 0;
  const page = async (): Promise<string | null> => {
    const lines = await store.readOutput({
      runId: q.runId,
      afterSeq: after,
      limit: PAGE_LINES,
      maxBytes: PAGE_CHARS,
      ...(q.step !== undefined ? { step: q.step } : {}),
    });
    if (lines.length === 0) return null;
    after = lines[lines.length - 1]!.seq;
    let text = '';
    for (const line of lines) text += logLine(line, q.format);
    return text;
  };
  for (;;) {
    const text = pacer ? await pacer.run(page) : await page();
    if (text === null) return;
    yield text;
  }
}
