import { statSync } from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { loadPipelineFile, type PipelineEntry } from '../pipeline/load-pipeline.js';
import { parseOffThread } from './parse-off-thread.js';
import { type PipelineSettings, validationContextOf } from './pipeline-settings.js';

/** Files up to this size parse in a few milliseconds, in place; bigger ones in a worker thread. */
const IN_PLACE_BYTES = 16 * 1024;

interface PipelineFile {
  name: string;
  file: string;
}

/** Identifies one version of a file: a changed file is parsed again, an unchanged one never. */
function stampOf(file: string): { stamp: string; size: number } {
  try {
    const s = statSync(file);
    return { stamp: `${s.mtimeMs}:${s.ctimeMs}:${s.size}:${s.ino}`, size: s.size };
  } catch {
    return { stamp: 'missing', size: 0 };
  }
}

/**
 * A project's pipelines, parsed and checked once per version of each file. `get` parses in
 * place (the CLI); `load`/`loadAll` (the server) never hold the event loop for long: small
 * files are parsed one per turn of the loop, big ones in a worker thread.
 */
export class PipelineCatalog {
  private readonly cache = new Map<string, { stamp: string; entry: PipelineEntry }>();
  /** Worker parses under way, by name and stamp, so concurrent listings share them. */
  private readonly pending = new Map<string, Promise<PipelineEntry>>();

  constructor(
    private readonly settings: PipelineSettings,
    private readonly files: () => readonly PipelineFile[],
  ) {}

  get(name: string): PipelineEntry | undefined {
    const f = this.files().find((x) => x.name === name);
    if (!f) return undefined;
    const { stamp } = stampOf(f.file);
    const hit = this.cache.get(name);
    if (hit?.stamp === stamp) return hit.entry;
    return this.keep(name, stamp, loadPipelineFile(f.name, f.file, validationContextOf(this.settings)));
  }

  async load(name: string): Promise<PipelineEntry | undefined> {
    const f = this.files().find((x) => x.name === name);
    return f ? (await this.loadFiles([f]))[0] : undefined;
  }

  loadAll(): Promise<PipelineEntry[]> {
    return this.loadFiles(this.files());
  }

  private async loadFiles(files: readonly PipelineFile[]): Promise<PipelineEntry[]> {
    const items = files.map((f) => ({ ...f, ...stampOf(f.file) }));
    const big = items.filter((f) => this.cache.get(f.name)?.stamp !== f.stamp && f.size > IN_PLACE_BYTES);
    // The worker starts first and runs while the small files are parsed here.
    const offThread = new Map(this.parseBig(big).map((p, k) => [big[k]!.name, p]));
    const entries: PipelineEntry[] = [];
    for (const f of items) {
      const hit = this.cache.get(f.name);
      const parsing = offThread.get(f.name);
      if (hit?.stamp === f.stamp) entries.push(hit.entry);
      else if (parsing) entries.push(await parsing);
      else {
        await nextTurn();
        const entry = loadPipelineFile(f.name, f.file, validationContextOf(this.settings));
        entries.push(this.keep(f.name, f.stamp, entry));
      }
    }
    return entries;
  }

  private parseBig(files: readonly (PipelineFile & { stamp: string })[]): Promise<PipelineEntry>[] {
    const key = (f: PipelineFile & { stamp: string }) => `${f.name}\u0000${f.stamp}`;
    const fresh = files.filter((f) => !this.pending.has(key(f)));
    if (fresh.length) {
      const jobs = fresh.map((f) => ({ name: f.name, file: f.file }));
      const batch = parseOffThread(jobs, this.settings).then(
        (entries) =>
          entries ?? fresh.map((f) => loadPipelineFile(f.name, f.file, validationContextOf(this.settings))),
      );
      fresh.forEach((f, k) => {
        const one = batch
          .then((entries) => this.keep(f.name, f.stamp, entries[k]!))
          .finally(() => this.pending.delete(key(f)));
        this.pending.set(key(f), one);
      });
    }
    return files.map((f) => this.pending.get(key(f))!);
  }

  private keep(name: string, stamp: string, entry: PipelineEntry): PipelineEntry {
    this.cache.set(name, { stamp, entry });
    return entry;
  }
}
