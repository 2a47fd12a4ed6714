import type { RunsApi } from '../runs-api.js';
import { LOG_LINES, type LogLine } from './model.js';

/**
 * The last lines of a run's output, read through its whole log (NDJSON, with each line's seq so
 * they merge with the live ones) while holding only LOG_LINES of them: a long log costs time
 * once, never memory.
 */
export async function readLogTail(api: RunsApi, runId: string): Promise<LogLine[]> {
  const tail: string[] = [];
  let partial = '';
  // A chunk may end inside a character: the decoder carries it over.
  const decoder = new TextDecoder();
  const keep = (line: string) => {
    if (!line) return;
    tail.push(line);
    if (tail.length > LOG_LINES) tail.shift();
  };
  for await (const chunk of await api.logs({ runId, format: 'ndjson' })) {
    const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) keep(l);
  }
  keep(partial);
  const out: LogLine[] = [];
  for (const l of tail) {
    try {
      const { seq, step, content } = JSON.parse(l) as LogLine;
      if (typeof seq === 'number' && typeof content === 'string')
        out.push({ seq, step: String(step), content });
    } catch {
      // a line cut by a broken connection: the live events bring the rest
    }
  }
  return out;
}
