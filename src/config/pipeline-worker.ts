import { parentPort, workerData } from 'node:worker_threads';
import { loadPipelineFile } from '../pipeline/load-pipeline.js';
import type { OffThreadJob, OffThreadResult } from './parse-off-thread.js';
import { type PipelineSettings, validationContextOf } from './pipeline-settings.js';

/**
 * Worker thread: parses and checks pipeline files (parse-off-thread.ts starts it). Results go
 * back as JSON text in chunks, so the main thread can turn them into objects a little at a
 * time instead of in one long deserialisation.
 */
const CHUNK = 250;

const { jobs, settings } = workerData as { jobs: OffThreadJob[]; settings: PipelineSettings };
const ctx = validationContextOf(settings);
const chunks = (items: readonly unknown[]): string[] => {
  const out: string[] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(JSON.stringify(items.slice(i, i + CHUNK)));
  return out;
};
jobs.forEach((job, index) => {
  const entry = loadPipelineFile(job.name, job.file, ctx);
  const result: OffThreadResult = {
    index,
    head: JSON.stringify({ ...entry, spec: entry.spec && { ...entry.spec, steps: [] }, diagnostics: [] }),
    steps: chunks(entry.spec?.steps ?? []),
    diagnostics: chunks(entry.diagnostics),
  };
  parentPort?.postMessage(result);
});
