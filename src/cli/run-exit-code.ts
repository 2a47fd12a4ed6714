import type { RunResult } from '../engine/engine.js';
import type { EventType } from '../events/catalogue.js';
import { EXIT } from './exit.js';

/**
 * How a run's end becomes the exit code of `wave run` (CLI.md): its final status when this
 * process ran it, or the terminal event's type when a server did. Anything but completed or
 * cancelled (failed, interrupted by a shutdown) is a failed run.
 */
export function runExitCode(end: RunResult['status'] | EventType): number {
  if (end === 'completed' || end === 'run_completed') return EXIT.ok;
  if (end === 'cancelled' || end === 'run_cancelled') return EXIT.cancelled;
  return EXIT.runFailed;
}
