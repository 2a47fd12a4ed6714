import { errorMessage } from '../../errors.js';
import type { ContractSpec, StepSpec } from '../../pipeline/model.js';
import { jsonSchemaContract } from './json-schema.js';
import { markdownSpecContract } from './markdown-spec.js';
import { nonEmptyFileContract } from './non-empty-file.js';
import { testSuiteContract } from './test-suite.js';
import type { ContractChecker, ContractContext, ContractResult } from './types.js';

export type { ContractContext, ContractResult } from './types.js';

const CHECKERS: Record<ContractSpec['type'], ContractChecker> = {
  json_schema: jsonSchemaContract,
  test_suite: testSuiteContract,
  non_empty_file: nonEmptyFileContract,
  markdown_spec: markdownSpecContract,
};

/** The file a contract checks: its `source`, else the step's first output artifact, else null. */
export function contractSource(contract: ContractSpec, step: StepSpec): string | null {
  return contract.source || step.outputs[0]?.path || null;
}

/**
 * Checks one contract after a step ran. Never throws: whatever goes wrong becomes an error
 * in the result, naming what to fix.
 */
export async function checkContract(contract: ContractSpec, ctx: ContractContext): Promise<ContractResult> {
  const checker: ContractChecker | undefined = CHECKERS[contract.type];
  if (!checker) return { ok: false, errors: [`unknown contract type "${contract.type}"`] };
  let resolved = contract;
  if (contract.type !== 'test_suite') {
    const source = contractSource(contract, ctx.step);
    if (source === null) {
      return { ok: false, errors: ['the contract has no source and the step declares no output artifact'] };
    }
    resolved = { ...contract, source };
  }
  try {
    return await checker(resolved, ctx);
  } catch (err) {
    return {
      ok: false,
      errors: [`the ${contract.type} contract could not be checked: ${errorMessage(err)}`],
    };
  }
}
