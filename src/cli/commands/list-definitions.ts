import { z } from 'zod';
import type { Project } from '../../config/load-project.js';
import { describePipeline } from '../../pipeline/describe.js';
import { EXIT } from '../exit.js';
import { type CliIO, out, table } from '../io.js';
import { openProject, ProjectFlags, parseFlags } from '../options.js';
import { RemoteFlags, remoteClient } from '../remote.js';
import { displayDiagnostic } from './validate.js';

const ListFlags = ProjectFlags.extend(RemoteFlags.shape).extend({ json: z.boolean().optional() });

/** `wave list pipelines`: a table, or the API's Pipeline objects with `--json`. */
export async function runListPipelines(io: CliIO, raw: unknown): Promise<number> {
  const opts = parseFlags(ListFlags, raw);
  const client = remoteClient(io, opts);
  const pipelines = client
    ? await client.listPipelines()
    : openProject(io, opts)
        .pipelines()
        .map((e) => describePipeline(e, (d) => displayDiagnostic(d, io.cwd)));
  if (opts.json) {
    out(io, JSON.stringify({ pipelines }, null, 2));
    return EXIT.ok;
  }
  if (pipelines.length === 0) {
    out(io, 'no pipelines');
    return EXIT.ok;
  }
  const rows = pipelines.map((p) => [
    p.name,
    p.valid ? String(p.steps.length) : '-',
    p.valid
      ? p.disabled
        ? 'disabled'
        : 'ok'
      : `invalid (${p.errors.length} error${p.errors.length === 1 ? '' : 's'}: wave validate ${p.name})`,
    p.description,
  ]);
  out(io, table(['NAME', 'STEPS', 'STATUS', 'DESCRIPTION'], rows));
  return EXIT.ok;
}

/** `wave list personas`. */
export async function runListPersonas(io: CliIO, raw: unknown): Promise<number> {
  const opts = parseFlags(ListFlags, raw);
  const client = remoteClient(io, opts);
  const personas = client ? await client.listPersonas() : localPersonas(openProject(io, opts));
  if (opts.json) {
    out(io, JSON.stringify({ personas }, null, 2));
    return EXIT.ok;
  }
  if (personas.length === 0) {
    out(io, 'no personas defined');
    return EXIT.ok;
  }
  out(
    io,
    table(
      ['NAME', 'ADAPTER', 'MODEL', 'DESCRIPTION'],
      personas.map((p) => [p.name, p.adapter, p.model ?? '-', p.description]),
    ),
  );
  return EXIT.ok;
}

function localPersonas(project: Project) {
  return [...project.personas.personas.values()]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((p) => {
      const adapter = project.config.adapters[p.adapter];
      return {
        name: p.name,
        adapter: p.adapter,
        model: p.model ?? adapter?.default_model ?? null,
        description: p.description,
      };
    });
}
