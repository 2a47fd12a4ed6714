import { WaveError } from '../errors.js';
import { formatDiagnostic, ValidationError } from '../pipeline/diagnostics.js';

/** CLI.md exit codes. */
export const EXIT = {
  ok: 0,
  runFailed: 1,
  usage: 2,
  unreachable: 3,
  cancelled: 130,
} as const;

/** Thrown by commands that want a specific exit code with a message for stderr. */
export class ExitError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'ExitError';
  }
}

const USAGE_CODES = new Set([
  'invalid_pipeline',
  'invalid_config',
  'invalid_request',
  'invalid_usage',
  'invalid_input',
  'input_required',
  'pipeline_not_found',
  'pipeline_disabled',
  'run_not_found',
  'schedule_not_found',
  'schedule_from_config',
  'step_not_found',
  'invalid_choice',
  'gate_not_waiting',
  'run_finished',
  'run_not_finished',
  'nothing_to_retry',
  'step_not_completed',
  'missing_tool',
  'forbidden',
  'unauthorized',
]);
const UNREACHABLE_CODES = new Set(['store_unavailable', 'server_unreachable']);

/** Maps any error to its exit code and the message to print. The one place that does so. */
export function describeFailure(err: unknown): { exitCode: number; message: string } {
  if (err instanceof ExitError) return { exitCode: err.exitCode, message: err.message };
  // The reader of our output went away (`wave logs … | head`): what it wanted it has; like the
  // usual Unix tools, nothing to report.
  if ((err as NodeJS.ErrnoException | null)?.code === 'EPIPE') return { exitCode: EXIT.ok, message: '' };
  if (err instanceof ValidationError) {
    const lines = err.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
    return { exitCode: EXIT.usage, message: lines.join('\n') };
  }
  if (err instanceof WaveError) {
    if (UNREACHABLE_CODES.has(err.code)) return { exitCode: EXIT.unreachable, message: err.message };
    if (err.code === 'cancelled') return { exitCode: EXIT.cancelled, message: err.message };
    if (USAGE_CODES.has(err.code)) return { exitCode: EXIT.usage, message: err.message };
    return { exitCode: EXIT.runFailed, message: err.message };
  }
  const e = err instanceof Error ? err : new Error(String(err));
  return { exitCode: EXIT.runFailed, message: `internal error: ${e.stack ?? e.message}` };
}
