import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit.js';
import { runExitCode } from '../../src/cli/run-exit-code.js';

describe('runExitCode (CLI.md exit codes, local and remote runs alike)', () => {
  it('maps a final status and the terminal event saying it to the same code', () => {
    expect([runExitCode('completed'), runExitCode('run_completed')]).toEqual([EXIT.ok, EXIT.ok]);
    expect([runExitCode('cancelled'), runExitCode('run_cancelled')]).toEqual([
      EXIT.cancelled,
      EXIT.cancelled,
    ]);
    expect([runExitCode('failed'), runExitCode('run_failed')]).toEqual([EXIT.runFailed, EXIT.runFailed]);
  });

  it('treats a run halted by a shutdown as failed', () => {
    expect(runExitCode('interrupted')).toBe(EXIT.runFailed);
  });
});
