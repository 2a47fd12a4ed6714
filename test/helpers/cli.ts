import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const WAVE_BIN = fileURLToPath(new URL('../../bin/wave.js', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `wave` binary to completion (with a deadline) and captures its output. */
export function runWave(
  args: string[],
  opts: { cwd: string; env?: Record<string, string | undefined>; input?: string; timeoutMs?: number },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WAVE_BIN, ...args], {
      cwd: opts.cwd,
      env: { ...cleanEnv(), ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `wave ${args.join(' ')} did not finish in ${opts.timeoutMs ?? 20_000} ms\nstdout: ${stdout}\nstderr: ${stderr}`,
        ),
      );
    }, opts.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** The environment without WAVE_* settings of the developer's shell, and without colour. */
export function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('WAVE_')) env[k] = v;
  }
  env.NO_COLOR = '1';
  return env;
}
