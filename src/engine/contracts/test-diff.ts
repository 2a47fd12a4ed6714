import type { ContractSpec } from '../../pipeline/model.js';
import { git, matchesPathOrBase } from './git.js';
import type { ContractChecker } from './types.js';

/** The Go Wave's defaults (GOWAVE.md §7): Go test files and test functions. */
const DEFAULT_FILE_PATTERNS = ['*_test.go'];
const DEFAULT_FUNC_PATTERN = '(?m)^[ \\t]*func[ \\t]+(Test|Example|Benchmark|Fuzz)[A-Za-z0-9_]*\\b';

/** The test-function pattern as a JS RegExp (Go's leading `(?m)` becomes the `m` flag). */
export function testFuncRegExp(contract: ContractSpec, global = false): RegExp | { problem: string } {
  const source = contract.testFuncPattern ?? DEFAULT_FUNC_PATTERN;
  const flags = source.startsWith('(?m)') ? 'm' : '';
  try {
    return new RegExp(source.replace(/^\(\?m\)/, ''), flags + (global ? 'g' : ''));
  } catch (err) {
    return {
      problem: `test_func_pattern ${JSON.stringify(source)} is not a valid pattern: ${(err as Error).message}`,
    };
  }
}

export function testFilePatterns(contract: ContractSpec): string[] {
  return contract.testFilePatterns?.length ? contract.testFilePatterns : DEFAULT_FILE_PATTERNS;
}

/**
 * `test_diff`: the uncommitted change (`git diff HEAD`, tracked files) must not remove more
 * test functions than it adds, beyond `max_test_deletions`. A git error passes (not a repository).
 */
export const testDiffContract: ContractChecker = async (contract, ctx) => {
  const re = testFuncRegExp(contract);
  if ('problem' in re) return { ok: false, errors: [re.problem] };
  const diff = await git(['diff', 'HEAD', '--', ...testFilePatterns(contract)], ctx.workspace, ctx.signal);
  if (!diff.ok) return { ok: true, errors: [] };
  let added = 0;
  let removed = 0;
  for (const line of diff.stdout.split('\n')) {
    if (line.startsWith('+++') || line.startsWith('---')) continue;
    if (line.startsWith('+') && re.test(line.slice(1))) added++;
    else if (line.startsWith('-') && re.test(line.slice(1))) removed++;
  }
  const max = contract.maxTestDeletions ?? 0;
  const net = removed - added;
  if (net <= max) return { ok: true, errors: [] };
  return {
    ok: false,
    errors: [
      `the change removes ${removed} test function${removed === 1 ? '' : 's'} and adds ${added}: net ${net} deleted, more than max_test_deletions ${max}; keep the tests`,
    ],
  };
};

/**
 * `test_count_baseline`: HEAD must have no fewer test functions than `base_ref` (default
 * HEAD~1), beyond `max_test_deletions`. A git error passes.
 */
export const testCountBaselineContract: ContractChecker = async (contract, ctx) => {
  const re = testFuncRegExp(contract, true);
  if ('problem' in re) return { ok: false, errors: [re.problem] };
  const base = contract.baseRef ?? 'HEAD~1';
  const patterns = testFilePatterns(contract);
  const count = async (ref: string): Promise<number | null> => {
    const tree = await git(['ls-tree', '-r', '--name-only', ref], ctx.workspace, ctx.signal);
    if (!tree.ok) return null;
    let n = 0;
    for (const path of tree.stdout.split('\n')) {
      if (!path || !patterns.some((p) => matchesPathOrBase(p, path))) continue;
      const file = await git(['show', `${ref}:${path}`], ctx.workspace, ctx.signal);
      if (!file.ok) return null;
      n += file.stdout.match(re)?.length ?? 0;
    }
    return n;
  };
  const [head, before] = [await count('HEAD'), await count(base)];
  if (head === null || before === null) return { ok: true, errors: [] };
  const max = contract.maxTestDeletions ?? 0;
  if (before - head <= max) return { ok: true, errors: [] };
  return {
    ok: false,
    errors: [
      `HEAD has ${head} test functions, ${before} at ${base}: ${before - head} fewer, more than max_test_deletions ${max}; restore the deleted tests`,
    ],
  };
};

/**
 * `source_diff`: at least `min_files` (default 1) changed files (`git diff --name-only HEAD`,
 * else the staged ones) match `glob` and no `exclude`.
 */
export const sourceDiffContract: ContractChecker = async (contract, ctx) => {
  let names = await git(['diff', '--name-only', 'HEAD'], ctx.workspace, ctx.signal);
  if (!names.ok) names = await git(['diff', '--name-only', '--cached'], ctx.workspace, ctx.signal);
  if (!names.ok) return { ok: false, errors: [`source_diff could not read the change: ${names.error}`] };
  const glob = contract.glob ?? '*';
  const exclude = contract.exclude ?? [];
  const files = names.stdout
    .split('\n')
    .filter((f) => f && matchesPathOrBase(glob, f) && !exclude.some((x) => matchesPathOrBase(x, f)));
  const min = contract.minFiles ?? 1;
  if (files.length >= min) return { ok: true, errors: [] };
  return {
    ok: false,
    errors: [
      `${files.length} changed file${files.length === 1 ? '' : 's'} match ${JSON.stringify(glob)}${exclude.length ? ` (excluding ${exclude.join(', ')})` : ''}; at least ${min} must change`,
    ],
  };
};
