import { existsSync } from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { PipelineEntry } from '../pipeline/load-pipeline.js';
import type { PipelineSettings } from './pipeline-settings.js';

export interface OffThreadJob {
  name: string;
  file: string;
}

/** One parsed file as the worker sends it: JSON text, the long lists in chunks. */
export interface OffThreadResult {
  index: number;
  head: string;
  steps: string[];
  diagnostics: string[];
}

/**
 * The compiled worker. A worker thread runs JavaScript only, so from dist/config/ and from
 * src/config/ (tests run the sources; their setup builds dist/) this names the built file.
 */
const WORKER_FILE = fileURLToPath(new URL('../../dist/config/pipeline-worker.js', import.meta.url));
/** A hostile file may make the parser allocate without end: the worker dies, not the server. */
const WORKER_MEMORY_MB = 512;

/**
 * Parses and checks pipeline files in a worker thread, so a big file never holds the event
 * loop; the results are turned back into objects one chunk per turn of the loop. Null when
 * the worker is not built (the caller parses in place).
 */
export async function parseOffThread(
  jobs: readonly OffThreadJob[],
  settings: PipelineSettings,
): Promise<PipelineEntry[] | null> {
  if (!existsSync(WORKER_FILE)) return null;
  const { results, failure } = await runWorker(jobs, settings);
  const entries: PipelineEntry[] = [];
  for (const [i, job] of jobs.entries()) {
    const result = results[i];
    entries.push(result ? await assemble(result) : unchecked(job, failure ?? 'the checker stopped early'));
  }
  return entries;
}

function runWorker(
  jobs: readonly OffThreadJob[],
  settings: PipelineSettings,
): Promise<{ results: (OffThreadResult | undefined)[]; failure: string | null }> {
  return new Promise((resolve) => {
    const results: (OffThreadResult | undefined)[] = [];
    let failure: string | null = null;
    const worker = new Worker(WORKER_FILE, {
      workerData: { jobs, settings },
      resourceLimits: { maxOldGenerationSizeMb: WORKER_MEMORY_MB },
    });
    worker.on('message', (r: OffThreadResult) => {
      results[r.index] = r;
    });
    worker.on('error', (err: NodeJS.ErrnoException) => {
      failure =
        err.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? 'the file is too large to check (checking it ran out of memory)'
          : `the file could not be checked (${err.name})`;
    });
    // Messages posted before the worker ended are all delivered before 'exit'.
    worker.on('exit', () => resolve({ results, failure }));
  });
}

async function assemble(result: OffThreadResult): Promise<PipelineEntry> {
  const entry = JSON.parse(result.head) as PipelineEntry;
  for (const chunk of result.steps) {
    await nextTurn();
    entry.spec?.steps.push(...(JSON.parse(chunk) as NonNullable<PipelineEntry['spec']>['steps']));
  }
  for (const chunk of result.diagnostics) {
    await nextTurn();
    entry.diagnostics.push(...(JSON.parse(chunk) as PipelineEntry['diagnostics']));
  }
  return entry;
}

function unchecked(job: OffThreadJob, problem: string): PipelineEntry {
  return {
    name: job.name,
    file: job.file,
    text: '',
    spec: null,
    diagnostics: [{ severity: 'error', file: job.file, line: null, path: '', message: problem }],
  };
}
