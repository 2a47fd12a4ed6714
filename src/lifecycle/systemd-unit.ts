export interface UnitPlan {
  /** The project root: WorkingDirectory and `-C`. */
  root: string;
  /** `--config FILE`, absolute, when the project uses one. */
  configFile?: string;
  /** Absolute paths of node and of the wave binary. */
  node: string;
  wave: string;
  shutdownGraceMs: number;
  /** A user unit (`systemctl --user`) or a system one that runs as `systemUser`. */
  user: boolean;
  systemUser: string;
  /** PATH for the service: steps run the tools found on the PATH of whoever wrote the unit. */
  path?: string;
}

/** `%` starts a specifier in unit files; `$` a variable in Exec lines. */
const escapeValue = (s: string) => s.replace(/%/g, '%%');
/** A word quoted when it holds anything but plain path characters. */
const quoted = (v: string) =>
  /^[A-Za-z0-9_@%+=:,./-]+$/.test(v) ? v : `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
/** One ExecStart word: `$` would expand a variable there. */
const execWord = (s: string) => quoted(escapeValue(s).replace(/\$/g, '$$$$'));

/**
 * A systemd unit that runs `wave serve` for a project (CLI.md `wave server unit`). systemd is
 * the supervisor here: it restarts on failure and keeps the output in the journal, so the unit
 * runs `wave serve` itself rather than `wave server start`. KillMode=mixed sends SIGTERM to
 * the server alone, which stops its steps itself while draining (their runs resume at the next
 * start); whatever is left after TimeoutStopSec (shutdown_grace + 5 s, the server's own
 * backstop) is killed.
 */
export function renderSystemdUnit(plan: UnitPlan): string {
  const exec = [
    plan.node,
    plan.wave,
    'serve',
    '-C',
    plan.root,
    ...(plan.configFile ? ['--config', plan.configFile] : []),
  ];
  const stopSec = Math.ceil(plan.shutdownGraceMs / 1000) + 5;
  const lines = [
    '[Unit]',
    `Description=Wave pipeline server for ${escapeValue(plan.root)}`,
    'After=network.target',
    '',
    '[Service]',
    'Type=simple',
    ...(plan.user ? [] : [`User=${escapeValue(plan.systemUser)}`]),
    `WorkingDirectory=${escapeValue(plan.root)}`,
    `ExecStart=${exec.map(execWord).join(' ')}`,
    ...(plan.path ? [`Environment=${quoted(escapeValue(`PATH=${plan.path}`))}`] : []),
    'Restart=on-failure',
    'RestartSec=5',
    'KillSignal=SIGTERM',
    'KillMode=mixed',
    `TimeoutStopSec=${stopSec}`,
    '',
    '[Install]',
    `WantedBy=${plan.user ? 'default.target' : 'multi-user.target'}`,
    '',
  ];
  return lines.join('\n');
}
