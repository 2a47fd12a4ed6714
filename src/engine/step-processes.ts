import { randomBytes } from 'node:crypto';
import { envValue, scanProcesses } from './proc-scan.js';

/**
 * Every process one runProcessGroup call starts: its process group, and (Linux) every process
 * whose environment carries the call's marker, including those that left the group (`setsid`,
 * a double fork, a daemon). PIPELINES.md "A step's processes never outlive it".
 */

/** Holds the markers of the calls a process descends from, comma-separated (a nested wave adds one). */
export const MARKER_VAR = 'WAVE_STEP_MARKER';

/** While waiting for stragglers to die, how often to look again. */
const POLL_MS = 100;
/** After SIGKILL, how long to wait for the processes to be gone before giving up on them. */
const KILL_WAIT_MS = 500;
/**
 * Within this long of the spawn, only pids handed out since the leader's are read: the pid
 * counter cannot go round pid_max in that time, and the step's end stays cheap.
 */
const RANGE_SCAN_MS = 1000;

/** Random per Wave process; a counter tells its calls apart (cheaper than random bytes each). */
const MARKER_PREFIX = randomBytes(12).toString('hex');
let markers = 0;

/** A new marker and `env` carrying it (after any marker inherited from an enclosing step). */
export function markEnv(env: NodeJS.ProcessEnv): { marker: string; env: NodeJS.ProcessEnv } {
  const marker = `${MARKER_PREFIX}-${++markers}`;
  const inherited = env[MARKER_VAR];
  const marked = { ...env };
  marked[MARKER_VAR] = inherited ? `${inherited},${marker}` : marker;
  return { marker, env: marked };
}

/** Whether a /proc environ block carries `marker`. */
function carries(environ: string, marker: string): boolean {
  return envValue(environ, MARKER_VAR)?.split(',').includes(marker) === true;
}

export class StepProcesses {
  private readonly spawnedAt = performance.now();
  private stopping: Promise<void> | undefined;
  /** An empty group stays empty (no member is left to join it); its id may be reused later. */
  private groupGone = false;

  /** `leader`: the spawned process, leader of its own process group; `marker`: in its env. */
  constructor(
    private readonly leader: number,
    private readonly leaderAlive: () => boolean,
    private readonly marker: string,
  ) {}

  /**
   * Stops them all: SIGTERM now, SIGKILL to those left after `graceMs`. Resolves once none is
   * left, or (for one that cannot be killed or found) shortly after the SIGKILL. Idempotent.
   */
  stop(graceMs: number): Promise<void> {
    this.stopping ??= this.terminate(graceMs);
    return this.stopping;
  }

  /** SIGKILL to whatever is left in the group (members that dropped the marker, `env -i`). */
  killGroup(): void {
    this.signalGroup('SIGKILL');
  }

  private async terminate(graceMs: number): Promise<void> {
    const killAt = performance.now() + graceMs;
    if (!this.signal('SIGTERM')) return;
    while (performance.now() < killAt) {
      await delay(Math.min(POLL_MS, killAt - performance.now()));
      if (!this.anyLeft()) return;
    }
    const giveUpAt = performance.now() + KILL_WAIT_MS;
    while (this.signal('SIGKILL') && performance.now() < giveUpAt) await delay(POLL_MS / 5);
  }

  /** Sends `sig` to the group and to every marked process; whether any of them is still there. */
  private signal(sig: NodeJS.Signals): boolean {
    const group = this.signalGroup(sig);
    const marked = this.marked();
    for (const pid of marked ?? []) sendTo(pid, sig);
    return marked === null ? group : this.leaderAlive() || marked.length > 0;
  }

  /**
   * With /proc: the leader, or a marked process, is alive. A zombie left in the group (an orphan
   * that init has not reaped yet) does not count; group members get SIGKILL at the end anyway.
   * Without /proc: the group still has members.
   */
  private anyLeft(): boolean {
    const marked = this.marked();
    return marked === null ? this.signalGroup(0) : this.leaderAlive() || marked.length > 0;
  }

  /** Whether the group has members. */
  private signalGroup(sig: NodeJS.Signals | 0): boolean {
    if (this.groupGone) return false;
    const error = sendTo(-this.leader, sig);
    if (error === 'ESRCH') this.groupGone = true;
    return error === null;
  }

  /**
   * Live processes carrying the marker, besides the leader (the group reaches it); null where
   * /proc cannot be read.
   */
  private marked(): number[] | null {
    const recent = performance.now() - this.spawnedAt < RANGE_SCAN_MS;
    return scanProcesses((environ) => carries(environ, this.marker), recent ? { after: this.leader } : {});
  }
}

/** process.kill without the throw: null, or why it failed (ESRCH: no such process or group). */
function sendTo(pid: number, sig: NodeJS.Signals | 0): string | null {
  try {
    process.kill(pid, sig);
    return null;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? 'unknown';
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
