import { existsSync } from 'node:fs';
import { runProcessGroup } from '../process-group.js';
import { which } from '../which.js';
import type { ContractChecker } from './types.js';

const MAX_LINES = 20;

/**
 * `typescript_interface`: `tsc --noEmit --strict --skipLibCheck <schema_path>` compiles cleanly
 * (schema_path is a definition path, not one in the workspace). Without `tsc` on PATH it
 * passes, unless `must_pass: true`.
 */
export const typescriptInterfaceContract: ContractChecker = async (contract, ctx) => {
  if (!contract.schemaPath)
    return { ok: false, errors: ['the typescript_interface contract needs schema_path (a .ts file)'] };
  const file = ctx.resolvePath(contract.schemaPath);
  if (!existsSync(file)) return { ok: false, errors: [`${contract.schemaPath} does not exist (${file})`] };
  const tsc = which('tsc', ctx.env.PATH);
  if (!tsc) {
    return contract.mustPass
      ? { ok: false, errors: ['tsc is not on PATH, and must_pass is true: install TypeScript'] }
      : { ok: true, errors: [] };
  }
  const lines: string[] = [];
  const result = await runProcessGroup({
    command: tsc,
    args: ['--noEmit', '--strict', '--skipLibCheck', file],
    cwd: ctx.projectRoot,
    env: ctx.env,
    timeoutMs: ctx.timeoutMs,
    graceMs: ctx.graceMs,
    signal: ctx.signal,
    onLine: (_stream, line) => {
      if (line.trim() && lines.length < MAX_LINES) lines.push(line);
    },
  });
  if (result.exitCode === 0 && lines.length === 0) return { ok: true, errors: [] };
  const why = result.spawnError
    ? `could not start tsc: ${result.spawnError.message}`
    : `tsc reports problems in ${contract.schemaPath}`;
  return { ok: false, errors: [why, ...lines] };
};
