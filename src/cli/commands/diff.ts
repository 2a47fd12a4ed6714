import { z } from 'zod';
import { EXIT } from '../exit.js';
import { type CliIO, useColor, writeChunk } from '../io.js';
import { ProjectFlags, parseFlags } from '../options.js';
import { RemoteFlags } from '../remote.js';
import { renderDiff, renderDiffStat } from '../render/diff-view.js';
import { COLOR, PLAIN } from '../render/format.js';
import { withRunsApi } from '../runs-api.js';

const DiffFlags = ProjectFlags.extend(RemoteFlags.shape).extend({
  runId: z.string().min(1),
  step: z.string().min(1).optional(),
  stat: z.boolean().optional(),
});

/** `wave diff <run-id> [--step S] [--stat]`: what the run changed, coloured on a terminal. */
export async function runDiff(io: CliIO, raw: unknown): Promise<number> {
  const opts = parseFlags(DiffFlags, raw);
  const styles = useColor(io) ? COLOR : PLAIN;
  const text = await withRunsApi(io, opts, async (runs) =>
    opts.stat
      ? renderDiffStat(await runs.diffStat(opts.runId, opts.step), styles)
      : renderDiff(await runs.diff(opts.runId, opts.step), styles),
  );
  await writeChunk(io.stdout, text);
  return EXIT.ok;
}
