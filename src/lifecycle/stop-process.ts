import { isRunning } from './process-info.js';

export type StopOutcome = 'not-running' | 'terminated' | 'killed';

const POLL_MS = 50;
/** How long a SIGKILLed process may take to disappear before we give up waiting. */
const KILL_WAIT_MS = 10_000;

export async function waitGone(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (isRunning(pid)) {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return true;
}

function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

/**
 * SIGTERM, then SIGKILL if the process is still there after `timeoutMs`. It is not our child,
 * so there is no exit event to wait for: its disappearance is checked until a deadline.
 */
export async function stopProcess(pid: number, timeoutMs: number): Promise<StopOutcome> {
  if (!isRunning(pid) || !signal(pid, 'SIGTERM')) return 'not-running';
  if (await waitGone(pid, timeoutMs)) return 'terminated';
  signal(pid, 'SIGKILL');
  if (!(await waitGone(pid, KILL_WAIT_MS))) throw new Error(`process ${pid} survived SIGKILL`);
  return 'killed';
}
