import { EXIT, ExitError } from '../exit.js';
import { type CliIO, useColor } from '../io.js';
import { localActor } from '../local.js';
import { ProjectFlags, parseFlags } from '../options.js';
import { RemoteFlags } from '../remote.js';
import { withRunsApi } from '../runs-api.js';
import { runDashboard, type TerminalIn } from '../top/dashboard.js';
import { COLOR_PAINT, PLAIN_PAINT } from '../top/layout.js';

const TopFlags = ProjectFlags.extend(RemoteFlags.shape);

export const NO_TERMINAL =
  'wave top needs a terminal (it draws a full-screen view and reads keys): use `wave list runs` (or `wave list runs --json`) instead';

/** `wave top`: the live dashboard of every run, on the project's store or a server. */
export async function runTop(io: CliIO, raw: unknown): Promise<number> {
  const opts = parseFlags(TopFlags, raw);
  const stdin = io.stdin as CliIO['stdin'] & TerminalIn;
  const stdout = io.stdout as Parameters<typeof runDashboard>[0]['stdout'] & CliIO['stdout'];
  if (!io.stdin.isTTY || !io.stdout.isTTY || typeof stdin.setRawMode !== 'function')
    throw new ExitError(EXIT.usage, NO_TERMINAL);
  const quit = new AbortController();
  const signals = ['SIGTERM', 'SIGHUP', 'SIGINT'] as const;
  const onSignal = () => quit.abort();
  for (const s of signals) process.on(s, onSignal);
  try {
    await withRunsApi(io, opts, (api) =>
      runDashboard({
        api,
        actor: localActor(io),
        stdin,
        stdout,
        paint: useColor(io) ? COLOR_PAINT : PLAIN_PAINT,
        signal: quit.signal,
      }),
    );
  } finally {
    for (const s of signals) process.off(s, onSignal);
  }
  return EXIT.ok;
}
